// mta-sts:watch, the scheduled self-check: defaults, EventBridge's schedule rules, and the
// receiver it needs (its table keeps the findings, its topic carries the alarms).
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, parseStackConfigMap, scheduleProblem } from "../config";

const domains = [{ domain: "example.com", dns: { provider: "manual" }, mx: ["mx1.example.com"] }];

function problems(raw: Parameters<typeof parseStackConfig>[0]): string[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("mta-sts:watch", () => {
  it("is on by default, daily, with STARTTLS probes and a 14-day certificate alarm", () => {
    expect(parseStackConfig({ domains }).watch).toEqual({
      enabled: true,
      schedule: "rate(1 day)",
      smtp: true,
      certificateDays: 14,
    });
    expect(
      parseStackConfig({ domains, watch: { schedule: "cron(0 6 * * ? *)", smtp: false } }).watch,
    ).toEqual({ enabled: true, schedule: "cron(0 6 * * ? *)", smtp: false, certificateDays: 14 });
  });

  it("reads the key through parseStackConfigMap, as pulumi up passes it", () => {
    const read = parseStackConfigMap({
      "mta-sts:domains": JSON.stringify(domains),
      "mta-sts:watch": JSON.stringify({ enabled: false }),
    });
    expect(read.config.watch.enabled).toBe(false);
    expect(() =>
      parseStackConfigMap({ "mta-sts:domains": JSON.stringify(domains), "mta-sts:wach": "{}" }),
    ).toThrow("mta-sts:wach: unknown key; did you mean mta-sts:watch?");
  });

  it("refuses unknown keys inside, with did you mean", () => {
    expect(problems({ domains, watch: { schedul: "rate(1 day)" } })).toEqual([
      "mta-sts:watch.schedul: unknown key; did you mean schedule?",
    ]);
  });

  it("follows EventBridge's rate rules: singular for 1, plural above, at most hourly", () => {
    expect(scheduleProblem("rate(1 day)")).toBeUndefined();
    expect(scheduleProblem("rate(6 hours)")).toBeUndefined();
    expect(scheduleProblem("rate(90 minutes)")).toBeUndefined();
    expect(scheduleProblem("cron(0 6 * * ? *)")).toBeUndefined();
    expect(scheduleProblem("rate(1 days)")).toContain("write rate(1 day)");
    expect(scheduleProblem("rate(2 day)")).toContain("write rate(2 days)");
    expect(scheduleProblem("rate(0 days)")).toContain("1 or more");
    expect(scheduleProblem("rate(5 minutes)")).toContain("more often than hourly");
    expect(scheduleProblem("cron(0 6 * * ?)")).toContain("must be an EventBridge schedule");
    expect(scheduleProblem("daily")).toContain("must be an EventBridge schedule");
    expect(problems({ domains, watch: { schedule: "rate(1 days)" } })).toEqual([
      'mta-sts:watch.schedule: "rate(1 days)": EventBridge wants the singular for 1; write rate(1 day)',
    ]);
  });

  it("takes a cron only if it runs at most hourly, with ? in exactly one day field, as EventBridge wants", () => {
    expect(scheduleProblem("cron(30 */6 * * ? *)")).toBeUndefined();
    expect(scheduleProblem("cron(59 6 ? * MON *)")).toBeUndefined();
    for (const everyMinute of [
      "cron(* * * * ? *)",
      "cron(*/5 * * * ? *)",
      "cron(0,30 * * * ? *)",
      "cron(0-10 6 * * ? *)",
      "cron(60 6 * * ? *)",
    ]) {
      expect(scheduleProblem(everyMinute)).toBe(
        `"${everyMinute}": the minutes field must be one minute (0-59), so it runs at most hourly, e.g. cron(0 6 * * ? *)`,
      );
    }
    expect(scheduleProblem("cron(0 6 * * * *)")).toContain(
      "? in exactly one of day-of-month and day-of-week",
    );
    expect(scheduleProblem("cron(0 6 ? * ? *)")).toContain(
      "? in exactly one of day-of-month and day-of-week",
    );
    expect(problems({ domains, watch: { schedule: "cron(*/5 * * * ? *)" } })).toEqual([
      'mta-sts:watch.schedule: "cron(*/5 * * * ? *)": the minutes field must be one minute (0-59), so it runs at most hourly, e.g. cron(0 6 * * ? *)',
    ]);
  });

  it("bounds certificateDays by ACM's renewal window", () => {
    expect(problems({ domains, watch: { certificateDays: 90 } })).toEqual([
      "mta-sts:watch.certificateDays: must be a whole number of days, 1..60 (ACM renews 60 days before expiry)",
    ]);
  });

  it("refuses enabled: true with the receiver off, and is simply off when the receiver is and it was not asked for", () => {
    expect(problems({ domains, receiver: { enabled: false }, watch: { enabled: true } })).toEqual([
      "mta-sts:watch.enabled: needs the receiver (its table keeps the findings, its topic carries the alarms), which mta-sts:receiver.enabled turns off; turn the receiver on, or set watch.enabled: false",
    ]);
    expect(parseStackConfig({ domains, receiver: { enabled: false } }).watch.enabled).toBe(true);
  });
});
