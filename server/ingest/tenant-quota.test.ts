import { describe, expect, it } from "vitest";
import { estimatedBits, secretStrengthProblem } from "../installations/secret-ownership.ts";
import { secretsEqual } from "../security/secret-compare.ts";
import { reasonShape } from "./rejection-log.ts";
import { createTenantQuota } from "./tenant-quota.ts";

const limits = { eventsPerSecond: 100, burstEvents: 200, requestsInFlight: 2, maxBacklog: 1000 };

describe("per-installation ingest quota", () => {
  it("spends a bucket per installation and refills it at the sustained rate", () => {
    let now = 0;
    const quota = createTenantQuota(limits, () => now);
    quota.take("a", 200);
    expect(() => quota.take("a", 1)).toThrow(/sent more than its 100 events\/s \(burst 200\)/);
    expect(() => quota.take("b", 200)).not.toThrow();
    now += 500;
    expect(() => quota.take("a", 50)).not.toThrow();
    expect(() => quota.take("a", 1)).toThrow(/retry after 1 s/);
  });

  it("caps requests in flight per installation and releases a slot once", () => {
    const quota = createTenantQuota(limits, () => 0);
    const first = quota.begin("a");
    quota.begin("a");
    expect(() => quota.begin("a")).toThrow(/already has 2 ingest requests in progress/);
    expect(() => quota.begin("b")).not.toThrow();
    first();
    first();
    expect(() => quota.begin("a")).not.toThrow();
    expect(() => quota.begin("a")).toThrow(/in progress/);
  });

  it("answers 429 naming the backlog limit once an installation's backlog is full", () => {
    const quota = createTenantQuota(limits, () => 0);
    expect(quota.backlogExceeded(999)).toBeNull();
    expect(quota.backlogExceeded(1000)).toMatchObject({ statusCode: 429, message: expect.stringMatching(/limit 1000/) });
  });
});

describe("secrets", () => {
  it("accepts generated secrets and refuses short, repetitive or low-entropy ones", () => {
    expect(secretStrengthProblem("Shared secret", "0123456789abcdef".repeat(4))).toBeNull();
    expect(secretStrengthProblem("Write key", `wk_${"9f86d081884c7d65".repeat(2)}`)).toBeNull();
    expect(secretStrengthProblem("Write key", "k")).toMatch(/at least 32 characters/);
    expect(secretStrengthProblem("Write key", "ab".repeat(20))).toMatch(/too easy to guess/);
    expect(estimatedBits("0123456789abcdef".repeat(2))).toBe(128);
  });

  it("compares in constant time over digests, whatever the lengths", () => {
    expect(secretsEqual("token-a", "token-a")).toBe(true);
    expect(secretsEqual("token-a", "token-ab")).toBe(false);
    expect(secretsEqual("", "")).toBe(false);
  });
});

describe("rejection pooling", () => {
  it("treats rejections that differ only in quoted values or numbers as one", () => {
    expect(reasonShape('type "foo" is not a Segment call type')).toBe(reasonShape('type "bar" is not a Segment call type'));
    expect(reasonShape("event is 40000 bytes")).toBe(reasonShape("event is 50000 bytes"));
    expect(reasonShape("userId must be a string")).not.toBe(reasonShape("groupId must be a string"));
  });
});
