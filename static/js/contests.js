/* Contests on every page (the TV, /board, /manage): names for formats and metrics, time
 * left, a participant's row, prizes, the org's calendar, and live updates of standings.
 * Hangs off window.Huddle.contests; loaded after common.js. */
(function () {
  "use strict";
  const H = window.Huddle;
  const { t, config, fmt, fill } = H;
  const FORMATS = ["ranking", "race", "tiers", "head_to_head", "improvement", "team_target"];
  // the standings a live update may move ("contest.settled" ends one; any other kind of
  // theirs makes, cancels or answers one: the list is fetched again)
  const RELOAD_KINDS = /^(contest|challenge)\./;

  /* --- names ---------------------------------------------------------------------------- */
  const formatName = (format) => t[`format_${format}`] || format;
  const stateName = (state) => t[`contest_state_${state}`] || state;
  /* `metrics` maps an activity metric's key to its name (GET /api/metrics). */
  function metricName(metric, metrics) {
    if (metric === "points") return t.metric_points;
    if (metric === "deals_won") return t.metric_deals_won;
    if (metric === "revenue") return t.revenue;
    if (metric.startsWith("activity:")) {
      const key = metric.slice("activity:".length);
      return (metrics && metrics.get(key)) || key;
    }
    return config.categories[metric] || metric;
  }
  /* "Race · Points · first to 50": what a contest is about, in one line. */
  function about(contest, metrics) {
    const parts = [formatName(contest.format), metricName(contest.metric, metrics)];
    if (contest.target != null && ["race", "team_target"].includes(contest.format)) {
      parts.push(fill(t.contest_target, { target: fmt(contest.target) }));
    }
    return parts.join(" · ");
  }

  /* --- scores and rows ------------------------------------------------------------------ */
  const percent = new Intl.NumberFormat(config.locale, { style: "percent", maximumFractionDigits: 0 });
  /* A row's score as it ranks: an improvement is a ratio to the row's own past (150 %),
   * but a row with nothing in the period before shows what it scored ("270.7 (from 0)"):
   * its ratio is to one point, 27,068 % says nothing; others as the page writes scores
   * (the TV to one decimal, /board and /manage to two). */
  const percentText = (ratio) => percent.format(Number(ratio) || 0);
  function scoreText(contest, row, format = H.fmtScore) {
    if (contest.format !== "improvement") return format(row.score);
    const own = "baseline" in row ? row : (contest.standings || []).find((r) => sameParticipant(r, row));
    if (own && own.value != null && Number(own.baseline) === 0) {
      return fill(t.contest_from_zero, { score: format(own.value) });
    }
    return percent.format(Number(row.score) || 0);
  }
  /* Whether a standings row and a winner (which carries no baseline) are one participant. */
  const sameParticipant = (a, b) => (a.member_id != null && a.member_id === b.member_id)
    || (a.team_id != null && a.team_id === b.team_id) || (a.side != null && a.side === b.side);
  const byRank = (a, b) => a.rank - b.rank || String(a.name).localeCompare(String(b.name));
  /* The side (index) `me` plays on in a head-to-head, -1 when none. */
  function sideOf(contest, me) {
    return (contest.sides || []).findIndex((side) => (side.member_ids || []).includes(me.member_id)
      || (side.team_ids || []).includes(me.team_id));
  }
  /* My row: mine as a member, my team's, or my side's. */
  function rowOf(contest, me) {
    const rows = contest.standings || [];
    const side = sideOf(contest, me);
    return rows.find((r) => r.key === `m${me.member_id}`) || rows.find((r) => r.key === `t${me.team_id}`)
      || (side >= 0 ? rows.find((r) => r.key === `s${side}`) : null) || null;
  }
  /* A head-to-head's two rows in the order of its sides, and the first side's share. */
  function sides(contest) {
    const rows = contest.standings || [];
    const pair = (contest.sides || []).slice(0, 2).map((side, i) => rows.find((r) => r.key === `s${i}`)
      || { key: `s${i}`, name: side.name, score: 0, value: 0 });
    const [a, b] = pair.map((r) => Math.max(0, Number(r.score) || 0));
    return { rows: pair, share: a + b > 0 ? a / (a + b) : 0.5 };
  }
  /* Who a challenge waits for: the opponent's side (the second), else whoever is not its sender. */
  function opponentOf(contest) {
    const ids = (contest.sides || []).map((side) => (side.member_ids || [])[0]).filter((id) => id != null);
    const from = (contest.created_by || {}).member_id;
    return ids.length > 1 ? ids[1] : ids.find((id) => id !== from) ?? null;
  }

  /* --- prizes ----------------------------------------------------------------------------- */
  /* "100 coins + Cinema tickets + a day off"; `rewards` maps a reward's id to its name. */
  function prizeText(prize, rewards) {
    if (!prize) return "";
    const parts = [];
    if (prize.coins) parts.push(H.count("coins_n", prize.coins));
    if (prize.reward_id != null) parts.push((rewards && rewards.get(prize.reward_id)) || t.a_reward);
    if (prize.description) parts.push(prize.description);
    return parts.join(" + ");
  }
  /* What can be won, in one line: per place, per tier, or what every member of a team wins. */
  function prizesLine(contest, rewards) {
    if (contest.format === "tiers") {
      return (contest.tiers || []).map((tier, i) => {
        const prize = prizeText(tier.prize, rewards);
        return prize ? `${fill(t.tier_n, { n: i + 1 })}: ${prize}` : "";
      }).filter(Boolean).join(" · ");
    }
    const prizes = contest.prizes || [];
    if (contest.format === "team_target") {
      const prize = prizeText(prizes[0], rewards);
      return prize ? fill(t.prize_every_member, { prize }) : "";
    }
    if (prizes.length === 1) {   // one prize: the winner's (a head-to-head's, a race's)
      const prize = prizeText(prizes[0], rewards);
      return prize ? fill(t.prize_line, { prize }) : "";
    }
    return prizes.map((prize, i) => {
      const text = prizeText(prize, rewards);
      return text ? `#${i + 1} ${text}` : "";
    }).filter(Boolean).join(" · ");
  }
  /* Who won what: "Ola Nordmann, Kari Hansen". */
  const winnerNames = (winners) => (winners || []).map((w) => w.name).join(", ");

  /* --- time ------------------------------------------------------------------------------- */
  const pad = (n) => String(n).padStart(2, "0");
  /* Time left until `iso`: "2 days 4 h" or, with seconds (the TV), "2 days 04:12:33". */
  function timeLeft(iso, seconds = false) {
    const left = Math.max(0, Date.parse(iso) - Date.now());
    const days = Math.floor(left / 86400000);
    const h = Math.floor(left / 3600000) % 24;
    const m = Math.floor(left / 60000) % 60;
    const s = Math.floor(left / 1000) % 60;
    const dayText = days ? H.count("days_n", days) : "";
    if (seconds) return `${dayText ? `${dayText} ` : ""}${pad(h)}:${pad(m)}:${pad(s)}`;
    if (days) return `${dayText} ${fill(t.hours_short, { h })}`;
    if (h) return fill(t.hours_minutes, { h, m });
    return H.count("minutes_n", Math.max(1, m + (s ? 1 : 0)));
  }
  /* When a contest starts or ends, from now: "ends in 2 days 4 h", "starts in 3 h 5 min". */
  function whenText(contest) {
    const now = Date.now();
    if (contest.state === "upcoming" || Date.parse(contest.starts_at) > now) {
      return fill(t.starts_in, { left: timeLeft(contest.starts_at) });
    }
    if (Date.parse(contest.ends_at) <= now) return t.contest_ending;
    return fill(t.ends_in, { left: timeLeft(contest.ends_at) });
  }

  /* The org's calendar. Contests run over the org's days and ISO weeks: the page's config
   * names the org's time zone (HUDDLE_TIMEZONE); the browser's is only a fallback. */
  const zone = config.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const partsFormat = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  function wall(ms) {   // the zone's wall clock at an instant
    const p = Object.fromEntries(partsFormat.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour % 24, mi: +p.minute, s: +p.second };
  }
  function offsetAt(ms) {   // the zone's offset from UTC at an instant, in ms
    const w = wall(ms);
    return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
  }
  /* The instant a day begins in the zone (a month or day past its end rolls over, as in Date.UTC). */
  function midnight(y, m, d) {
    const guess = Date.UTC(y, m - 1, d);
    return guess - offsetAt(guess - offsetAt(guess));   // the offset on that day, not today's
  }
  /* "2026-11-23T00:00:00+01:00": an instant in the zone, with its offset, as the API takes it. */
  function isoAt(ms) {
    const w = wall(ms);
    const off = Math.round(offsetAt(ms) / 60000);
    const sign = off < 0 ? "-" : "+";
    return `${w.y}-${pad(w.m)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  }
  const today = () => wall(Date.now());
  const dayOf = (ms) => { const w = wall(ms); return `${w.y}-${pad(w.m)}-${pad(w.d)}`; };
  const parseDay = (day) => day.split("-").map(Number);
  const dayFormat = new Intl.DateTimeFormat(config.locale, { day: "numeric", month: "short", timeZone: zone });
  const calendar = {
    zone,
    /* "23 Nov – 29 Nov": a contest's days (it ends as its last day does, at the next midnight) */
    period(contest) {
      const from = dayFormat.format(new Date(contest.starts_at));
      const to = dayFormat.format(new Date(Date.parse(contest.ends_at) - 1000));
      return from === to ? from : `${from} – ${to}`;
    },
    isoAt,
    dayOf,
    /* "YYYY-MM-DD" for a date input: today in the zone */
    today: () => dayOf(Date.now()),
    endOfToday() { const w = today(); return midnight(w.y, w.m, w.d + 1); },
    /* this ISO week: Monday 00:00 to the next Monday 00:00 */
    week() {
      const w = today();
      const back = (new Date(Date.UTC(w.y, w.m - 1, w.d)).getUTCDay() + 6) % 7;
      return [midnight(w.y, w.m, w.d - back), midnight(w.y, w.m, w.d - back + 7)];
    },
    month() { const w = today(); return [midnight(w.y, w.m, 1), midnight(w.y, w.m + 1, 1)]; },
    /* a day of a date input: its start, and the start of the day after it (a contest's end) */
    startOf(day) { const [y, m, d] = parseDay(day); return midnight(y, m, d); },
    endOf(day) { const [y, m, d] = parseDay(day); return midnight(y, m, d + 1); },
  };

  /* --- live ------------------------------------------------------------------------------- */
  /* Merge an update's contest rows into `contests` (id → contest), each only when the
   * update is newer than what was fetched (its `seq`). Says whether anything changed and
   * whether the list must be fetched again: an entry that makes, cancels or answers a
   * contest, one that ended, or (`unknown`: a page that lists every running contest) a
   * running one it does not know yet. */
  function applyUpdate(contests, message, { unknown = false } = {}) {
    const entry = message.entry || {};
    let changed = false;
    let reload = RELOAD_KINDS.test(entry.kind || "");
    for (const moved of entry.contests || []) {
      const contest = contests.get(moved.id);
      if (!contest) { reload = reload || (unknown && moved.state === "running"); continue; }
      if (message.seq <= (contest.seq || 0)) continue;   // the fetched standings hold it already
      const rows = new Map((contest.standings || []).map((r) => [r.key, r]));
      (moved.rows || []).forEach((r) => rows.set(r.key, { ...rows.get(r.key), ...r }));
      (moved.gone || []).forEach((key) => rows.delete(key));   // a participant who left
      contest.standings = rerank([...rows.values()].map((r) => ({ ...r, score: Number(r.score) || 0 })));
      contest.seq = message.seq;
      if (moved.count != null) contest.count = moved.count;
      if (moved.state && moved.state !== contest.state) { contest.state = moved.state; reload = true; }
      changed = true;
    }
    return { changed, reload };
  }
  /* Competition ranking, as the API ranks: by score, equal scores share a rank and the next
   * skips, within a rank by name. An update carries the rows that moved; the rows they
   * passed are ranked again here from the scores. */
  const fold = (row) => String(row.name).toLowerCase();
  function rerank(rows) {
    rows.sort((a, b) => b.score - a.score || (fold(a) < fold(b) ? -1 : fold(a) > fold(b) ? 1 : 0)
      || (a.key < b.key ? -1 : 1));
    rows.forEach((row, i) => { row.rank = i && rows[i - 1].score === row.score ? rows[i - 1].rank : i + 1; });
    return rows;
  }
  /* Whether a failed request may work if tried again: no answer, or a server in trouble. */
  const passing = (error) => !error.status || error.status >= 500;
  /* One timer that fetches the contests again when the next one starts or ends. */
  function alarm(reload) {
    let timer = null;
    return (contests) => {
      clearTimeout(timer);
      const now = Date.now();
      const next = contests.flatMap((c) => [Date.parse(c.starts_at), Date.parse(c.ends_at)])
        .filter((at) => at > now).sort((a, b) => a - b)[0];
      if (next === undefined) return;
      // a second late: the server's clock decides; never beyond a timer's range
      timer = setTimeout(reload, Math.min(next - now + 1500, 6 * 3600 * 1000));
    };
  }

  H.contests = { FORMATS, formatName, stateName, metricName, about, percentText, scoreText, byRank, sideOf, rowOf, sides,
    opponentOf, prizeText, prizesLine, winnerNames, timeLeft, whenText, calendar, applyUpdate, alarm, passing };
})();
