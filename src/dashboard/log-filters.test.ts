import { describe, expect, it } from "vitest";
import { activeFilterCount, apiQuery, EMPTY_FILTERS, filterBody, filterQuery, filtersFromSearch, isoToLocalDateTime, localDateTimeToIso, withFilters } from "./log-filters";

describe("log filters in the URL", () => {
  it("round-trips through the query string and leaves other parameters alone", () => {
    const filters = { ...EMPTY_FILTERS, direction: ["inbound"], status: ["failed", "dead_lettered"], userId: " u-1 ", httpStatusClass: "5" };
    const search = withFilters(new URLSearchParams("row=12&userId=old&app-token=t"), filters);
    expect(search.get("row")).toBe("12");
    expect(search.get("app-token")).toBe("t");
    expect(filtersFromSearch(search)).toEqual({ ...filters, userId: "u-1" });
    expect(filterQuery(filters)).toBe("direction=inbound&status=failed%2Cdead_lettered&userId=u-1&httpStatusClass=5");
    expect(filterBody(filters)).toEqual({ direction: "inbound", status: "failed,dead_lettered", userId: "u-1", httpStatusClass: "5", hideChecks: "1" });
    expect(activeFilterCount(filters)).toBe(4);
    expect(activeFilterCount(EMPTY_FILTERS)).toBe(0);
  });

  it("hides the two-way manifest checks unless the URL asks for them", () => {
    expect(filterQuery(EMPTY_FILTERS)).toBe("");
    expect(apiQuery(EMPTY_FILTERS)).toBe("hideChecks=1");
    const shown = filtersFromSearch(new URLSearchParams("showChecks=1&userId=u-1"));
    expect(apiQuery(shown)).toBe("userId=u-1");
    expect(activeFilterCount(shown)).toBe(2);
  });

  it("converts between a local date and time and ISO-8601 UTC", () => {
    const iso = localDateTimeToIso("2026-03-01", "10:15");
    expect(iso).toMatch(/^2026-03-01T\d{2}:15:00\.000Z$/);
    expect(isoToLocalDateTime(iso)).toEqual({ date: "2026-03-01", time: "10:15" });
    expect(isoToLocalDateTime(localDateTimeToIso("2026-03-01", ""))).toEqual({ date: "2026-03-01", time: "00:00" });
    expect(localDateTimeToIso("", "10:15")).toBe("");
    expect(isoToLocalDateTime("nonsense")).toEqual({ date: "", time: "" });
  });
});
