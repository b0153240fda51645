import { describe, expect, it } from "vitest";
import { activeFilterCount, EMPTY_FILTERS, filterBody, filterQuery, filtersFromSearch, isoToLocalInput, localInputToIso, withFilters } from "./log-filters";

describe("log filters in the URL", () => {
  it("round-trips through the query string and leaves other parameters alone", () => {
    const filters = { ...EMPTY_FILTERS, direction: ["inbound"], status: ["failed", "dead_lettered"], userId: " u-1 ", httpStatusClass: "5" };
    const search = withFilters(new URLSearchParams("row=12&userId=old&app-token=t"), filters);
    expect(search.get("row")).toBe("12");
    expect(search.get("app-token")).toBe("t");
    expect(filtersFromSearch(search)).toEqual({ ...filters, userId: "u-1" });
    expect(filterQuery(filters)).toBe("direction=inbound&status=failed%2Cdead_lettered&userId=u-1&httpStatusClass=5");
    expect(filterBody(filters)).toEqual({ direction: "inbound", status: "failed,dead_lettered", userId: "u-1", httpStatusClass: "5" });
    expect(activeFilterCount(filters)).toBe(4);
    expect(activeFilterCount(EMPTY_FILTERS)).toBe(0);
  });

  it("converts between the local time input and ISO-8601 UTC", () => {
    const iso = localInputToIso("2026-03-01T10:15");
    expect(iso).toMatch(/^2026-03-01T\d{2}:15:00\.000Z$/);
    expect(isoToLocalInput(iso)).toBe("2026-03-01T10:15");
    expect(localInputToIso("")).toBe("");
    expect(isoToLocalInput("nonsense")).toBe("");
  });
});
