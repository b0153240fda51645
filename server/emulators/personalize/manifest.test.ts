import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { devFixture, DEV_PROJECT_UID } from "./dev-fixture.ts";
import { InputError, startPersonalizeEmulator, type PersonalizeEmulator, type ProjectFixture } from "./index.ts";
import { audience, manifest, patchAttributes, project, rule, variants } from "./test-support.ts";

const experienceProject: ProjectFixture = project({
  audiences: [
    audience("High value", "AND", [rule({ key: "lifetime_value", condition: "NUMBER_GREATER_THAN", value: 100 })]),
    audience("Pro plan", "AND", [rule({ key: "plan", condition: "STRING_EQUALS", value: "pro" })]),
    audience("Shopper", "AND", [rule({ key: "first_time_shopper", condition: "IS_TRUE" })]),
    audience("Staff", "AND", [rule({ key: "email_domain", condition: "CONTAINS_SUBSTRING", value: "example" })]),
  ],
  experiences: [
    {
      shortUid: "5",
      name: "Hero",
      __type: "SEGMENTED",
      tags: ["Homepage"],
      variants: [
        { shortUid: "0", name: "High-value pro", audiences: ["High value", "Pro plan"], audienceCombinationType: "AND" },
        { shortUid: "1", name: "Shopper or staff", audiences: ["Shopper", "Staff"] },
      ],
    },
    {
      shortUid: "2",
      name: "Button",
      __type: "AB_TEST",
      tags: ["checkout"],
      variants: [
        { shortUid: "0", name: "Control" },
        { shortUid: "1", name: "Green" },
      ],
    },
    {
      shortUid: "3",
      name: "Pro-only test",
      __type: "AB_TEST",
      targeting: { audience: { audiences: ["Pro plan"] } },
      variants: [
        { shortUid: "0", name: "Nobody", trafficDistribution: 0 },
        { shortUid: "1", name: "Everybody", trafficDistribution: 100 },
      ],
    },
    {
      shortUid: "4",
      name: "Paused",
      __type: "SEGMENTED",
      status: "PAUSED",
      variants: [{ shortUid: "0", name: "Pro", audiences: ["Pro plan"] }],
    },
  ],
});

let emulator: PersonalizeEmulator;

beforeAll(async () => {
  emulator = await startPersonalizeEmulator({ fixtures: { projects: [experienceProject] } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe("experience evaluation", () => {
  it("lists experiences in fixture (priority) order, with null where nothing applies", async () => {
    const { body } = await manifest(emulator, "newcomer");
    const { experiences } = body as { experiences: Array<{ shortUid: string; activeVariantShortUid: string | null }> };
    expect(experiences.map((entry) => entry.shortUid)).toEqual(["5", "2", "3", "4"]);
    expect(variants(body)).toMatchObject({ "5": null, "3": null, "4": null });
    expect(["0", "1"]).toContain(variants(body)["2"]);
  });

  it("changes the variant when a PATCH raises an attribute", async () => {
    await patchAttributes(emulator, "u1", { lifetime_value: 50, plan: "pro" });
    expect(variants((await manifest(emulator, "u1")).body)["5"]).toBeNull();
    await patchAttributes(emulator, "u1", { lifetime_value: 450 });
    expect(variants((await manifest(emulator, "u1")).body)["5"]).toBe("0");
  });

  it("combines a variant's audiences with AND or OR, first matching variant winning", async () => {
    await patchAttributes(emulator, "staff", { email_domain: "mail.example.com" });
    expect(variants((await manifest(emulator, "staff")).body)["5"]).toBe("1");
    await patchAttributes(emulator, "staff", { lifetime_value: 1000, plan: "pro" });
    expect(variants((await manifest(emulator, "staff")).body)["5"]).toBe("0");
    await patchAttributes(emulator, "shopper", { first_time_shopper: true, lifetime_value: 1000 });
    expect(variants((await manifest(emulator, "shopper")).body)["5"]).toBe("1");
  });

  it("gates an A/B test by its targeting audience and honours the traffic split", async () => {
    await patchAttributes(emulator, "pro", { plan: "pro" });
    expect(variants((await manifest(emulator, "pro")).body)["3"]).toBe("1");
    await patchAttributes(emulator, "pro", { plan: "free" });
    expect(variants((await manifest(emulator, "pro")).body)["3"]).toBeNull();
  });

  it("keeps inactive experiences at null even when the user matches", async () => {
    await patchAttributes(emulator, "pro", { plan: "pro" });
    expect(variants((await manifest(emulator, "pro")).body)["4"]).toBeNull();
  });

  it("assigns A/B variants deterministically per user and about evenly across users", async () => {
    const counts: Record<string, number> = { "0": 0, "1": 0 };
    for (let index = 0; index < 200; index++) {
      const first = variants((await manifest(emulator, `user-${index}`)).body)["2"]!;
      const second = variants((await manifest(emulator, `user-${index}`)).body)["2"]!;
      expect(second).toBe(first);
      counts[first]!++;
    }
    expect(counts["0"]).toBeGreaterThan(70);
    expect(counts["1"]).toBeGreaterThan(70);
  });
});

describe("tags[]", () => {
  it("filters case-insensitively with OR semantics", async () => {
    const shortUids = async (query: string) =>
      ((await manifest(emulator, "u1", query)).body as { experiences: Array<{ shortUid: string }> }).experiences.map((e) => e.shortUid);
    expect(await shortUids("?tags[]=HOMEPAGE")).toEqual(["5"]);
    expect(await shortUids("?tags%5B%5D=homepage&tags%5B%5D=Checkout")).toEqual(["5", "2"]);
    expect(await shortUids("?tags[]=none")).toEqual([]);
  });

  it("rejects more than 10 tags", async () => {
    const query = `?${Array.from({ length: 11 }, (_, index) => `tags[]=t${index}`).join("&")}`;
    const { status, body } = await manifest(emulator, "u1", query);
    expect(status).toBe(400);
    expect((body as { error: string }).error).toBe("personalize.MANIFEST.TOO_MANY_TAGS");
  });
});

describe("the dev fixture", () => {
  it("puts a user over 100 lifetime value into the SEGMENTED experience", async () => {
    const dev = await startPersonalizeEmulator({ fixtures: devFixture });
    try {
      await patchAttributes(dev, "shopper", { lifetime_value: 99 }, DEV_PROJECT_UID);
      let body = (await manifest(dev, "shopper", "", DEV_PROJECT_UID)).body;
      expect(variants(body)["0"]).toBeNull();
      expect(["0", "1"]).toContain(variants(body)["1"]);
      await patchAttributes(dev, "shopper", { lifetime_value: 101 }, DEV_PROJECT_UID);
      body = (await manifest(dev, "shopper", "", DEV_PROJECT_UID)).body;
      expect(variants(body)["0"]).toBe("0");
    } finally {
      await dev.close();
    }
  });
});

describe("invalid experience fixtures", () => {
  const load = (overrides: Partial<ProjectFixture>) => () =>
    emulator.loadFixtures({ projects: [{ ...experienceProject, ...overrides }] });

  it.each([
    [{ uid: "short" }, "projects[0].uid: must be 24 letters or digits"],
    [
      { experiences: [{ shortUid: "0", name: "x", __type: "SEGMENTED", variants: [{ shortUid: "0", name: "v", audiences: ["Missing"] }] }] },
      'projects[0].experiences[0].variants[0].audiences[0]: no audience with uid or name "Missing"',
    ],
    [
      { experiences: [{ shortUid: "0", name: "x", __type: "SEGMENTED", variants: [{ shortUid: "0", name: "v" }] }] },
      "projects[0].experiences[0].variants[0]: a SEGMENTED variant needs audiences",
    ],
    [
      {
        experiences: [
          { shortUid: "0", name: "x", __type: "AB_TEST", variants: [{ shortUid: "0", name: "a", trafficDistribution: 50 }, { shortUid: "1", name: "b" }] },
        ],
      },
      "give trafficDistribution to every variant or to none",
    ],
    [
      {
        experiences: [
          { shortUid: "0", name: "x", __type: "AB_TEST", variants: [{ shortUid: "0", name: "a" }] },
          { shortUid: "0", name: "y", __type: "AB_TEST", variants: [{ shortUid: "0", name: "a" }] },
        ],
      },
      'projects[0].experiences[1]: duplicate experience shortUid "0"',
    ],
    [{ attributes: [{ key: "plan" }, { key: "plan" }] }, 'duplicate attribute key "plan"'],
  ] as Array<[Partial<ProjectFixture>, string]>)("rejects %j", (overrides, message) => {
    expect(load(overrides)).toThrow(InputError);
    expect(load(overrides)).toThrow(message);
  });

  it("changes nothing when a fixture is rejected", async () => {
    await patchAttributes(emulator, "kept", { plan: "pro" });
    expect(load({ uid: "short" })).toThrow();
    expect(emulator.userAttributes(experienceProject.uid, "kept")).toEqual({ plan: "pro" });
  });
});
