/* The office TV: rotating views, celebrations, and a socket that heals itself.
 * Built to run for weeks without a reload: state lives in maps keyed by id and a capped
 * feed, every view is rebuilt rather than appended to, the celebration queue is capped,
 * and there is one timer per job, never one per message.
 * URL options: ?token= (kept, then hidden), ?lang=, ?team_id=,
 * ?view=teams|members|goals|feed|stories|praise|rising|improved (pin one view) or ?view=activity (rotate through the activity metrics' boards only),
 * ?rotate=<seconds> (default 15). The arrow keys (a TV remote has them) step through the views
 * and the pages of goals by hand. Once the org counts activities (calls, meetings), each metric
 * with counts this season is a view of its own after the four, its board fetched from the API. */
(function () {
  "use strict";
  const H = window.Huddle;
  const { t, fmt, esc, fill, color, teamLabel } = H;
  const score = H.fmtScore;
  const $ = (id) => document.getElementById(id);
  const url = new URL(window.location.href);
  const ROTATE_MS = Math.max(5, Number(url.searchParams.get("rotate")) || 15) * 1000;
  const PINNED = ["teams", "members", "goals", "feed", "stories", "praise", "rising", "improved", "activity"]
    .includes(url.searchParams.get("view"))
    ? url.searchParams.get("view") : null;
  const CELEBRATE_MS = 7000;
  const CELEBRATE_RECENT_MS = 10 * 60 * 1000;   // replays after an outage are not re-celebrated
  const QUEUE_MAX = 5;
  const FEED_MAX = 6;
  const TOP_MEMBERS = 10;
  const METRIC_RELOAD_MS = 5000;   // a metric's board is fetched again at most this often
  const METRIC_TIMEOUT_MS = 30000;

  // metrics: [{key, name}] as GET /api/metrics lists them; boards: key → its top rows with counts
  // stories: the newest win stories (story.posted entries), told on a view of their own
  // praise: customers' good comments (GET /api/praise), told without the customer
  // rising: newcomers ranked among themselves; improved: gain on one's own earlier seasons
  const state = { members: new Map(), teams: new Map(), goals: new Map(), feed: [], stories: [], praise: [],
    metrics: [], boards: new Map(), rising: [], improved: [] };
  const TEAM_ID = Number(url.searchParams.get("team_id")) || null;
  const STORIES_MAX = 3;
  const PRAISE_MAX = 3;
  const byRank = (a, b) => a.rank - b.rank || a.name.localeCompare(b.name);
  const medal = (rank) => (rank <= 3 ? ` medal-${rank}` : "");
  const teamColor = (id) => color((state.teams.get(id) || {}).color);
  /* A name in an element that may shorten it ("…"): the full name stays in its title. */
  const named = (tag, text, before = "", cls = "fit") =>
    `<${tag}${cls ? ` class="${cls}"` : ""} title="${esc(text)}">${before}${esc(text)}</${tag}>`;

  /* --- the four views ----------------------------------------------------------------- */
  function renderTeams() {
    const rows = [...state.teams.values()].sort(byRank);
    const best = Math.max(1, ...rows.map((r) => r.score));
    const list = $("teams");
    list.style.setProperty("--n", Math.max(rows.length, 3));
    list.innerHTML = rows.map((r) => `
      <li style="--team:${color(r.color)}">
        <span class="rank${medal(r.rank)}">${r.rank}</span>
        <span class="name">${named("b", teamLabel(r))}
          ${named("small", `${r.nickname ? `${r.name} · ` : ""}${H.count("players", r.members)}`)}
          <span class="meter"><i style="width:${Math.max(2, (100 * r.score) / best)}%"></i></span></span>
        <span class="score">${score(r.score)}<small>${t.per_member}</small></span>
        <span class="total">${score(r.total)}<small>${t.total}</small></span>
      </li>`).join("") || `<li class="empty">${t.none_yet}</li>`;
  }

  /* A player's row on the top scorers and on an activity metric's board. */
  const scorer = (r, value) => `
      <li style="--team:${teamColor(r.team_id)}">
        <span class="rank${medal(r.rank)}">${r.rank}</span>
        <span class="name">${named("b", r.name)}${named("small", teamLabel(state.teams.get(r.team_id)), '<i class="dot"></i>', "")}</span>
        <span class="score">${value}</span>
      </li>`;

  function renderMembers() {
    const rows = [...state.members.values()].sort(byRank).slice(0, TOP_MEMBERS);
    $("members").innerHTML = rows.map((r) => scorer(r, score(r.score))).join("")
      || `<li class="empty">${t.none_yet}</li>`;
  }

  /* Rising stars (newcomers, among themselves) and the most improved (points this season
   * against the player's own average of earlier seasons): rewarding the rookie who grows. */
  const signed = (n) => (n > 0 ? `+${score(n)}` : score(n));
  function renderRising() {
    $("rising").innerHTML = state.rising.map((r) => scorer(r, score(r.score))).join("")
      || `<li class="empty">${t.none_yet}</li>`;
  }
  function renderImproved() {
    $("improved").innerHTML = state.improved.map((r) => scorer(r, signed(r.score))).join("")
      || `<li class="empty">${t.none_yet}</li>`;
  }

  /* One activity metric's board: the players with the most units logged this season. */
  const metricOf = (name) => state.metrics.find((m) => `metric:${m.key}` === name) || null;
  function renderActivity() {
    const metric = metricOf(current);
    const title = metric ? metric.name : "";
    if ($("activity-title").textContent !== title) { $("activity-title").textContent = title; $("activity-title").title = title; }
    const rows = metric ? state.boards.get(metric.key) || [] : [];
    $("activity").innerHTML = rows.map((r) => scorer(r, fmt(r.score))).join("")
      || `<li class="empty">${t.none_yet}</li>`;
  }

  function renderGoals() {
    const goals = [...state.goals.values()].sort((a, b) =>
      ((state.teams.get(a.team_id) || {}).rank || 99) - ((state.teams.get(b.team_id) || {}).rank || 99) || a.id - b.id);
    $("goals").innerHTML = goals.map((g) => {
      const team = state.teams.get(g.team_id);
      const p = g.progress;
      const members = g.member_targets.map((m) => `
        <li>${named("span", m.name, "", "who fit")}${H.bar(m.progress, teamColor(g.team_id))}
          <span class="num">${Math.round(m.progress.percent || 0)}%</span></li>`).join("");
      return `<article class="goal${p.reached_at ? " reached" : ""}" style="--team:${teamColor(g.team_id)}">
        <header>${named("b", teamLabel(team))}<span>${t.team_goal} · ${g.metric === "revenue" ? t.revenue : t.deals}</span></header>
        <div class="percent">${Math.round(p.percent || 0)}<small>%</small>${p.reached_at ? `<em>${t.reached}</em>` : ""}</div>
        ${H.bar(p, teamColor(g.team_id))}
        <div class="of">${fmt(p.value)} / ${fmt(g.target)}</div>
        <ul class="member-goals">${members}</ul>
      </article>`;
    }).join("");
    goalPages = [];
    if (current === "goals") layOutGoals();
  }

  /* The goals view shows every goal: up to three big cards in a row, compact cards for
   * more, and when even they do not fit the screen, pages of whole rows that the rotation
   * (or the arrow keys) steps through. The layout is measured, so it holds for any screen,
   * language and number of player goals. */
  let goalPages = [];
  let goalPage = 0;
  const portrait = window.matchMedia("(max-aspect-ratio: 1/1)");
  /* Layouts to try, best first: those without `page` must show every goal at once. */
  function goalLayouts(n) {
    if (portrait.matches) return [{ cols: 1, mode: "compact", page: true }, { cols: 1, mode: "compact dense", page: true }];
    const cols = n <= 3 ? Math.max(n, 1) : n === 4 ? 2 : 3;
    return [...(n <= 3 ? [{ cols, mode: "" }] : []),
      { cols, mode: "compact", page: true }, { cols, mode: "compact dense", page: true }];
  }
  /* The cards as rows, each with its top and bottom relative to the grid. */
  function rowsOf(grid, cards) {
    const top = grid.getBoundingClientRect().top;
    const rows = [];
    cards.forEach((card) => {
      const r = card.getBoundingClientRect();
      const last = rows[rows.length - 1];
      if (last && Math.abs(r.top - top - last.top) < 1) {
        last.cards.push(card);
        last.bottom = Math.max(last.bottom, r.bottom - top);
      } else rows.push({ top: r.top - top, bottom: r.bottom - top, cards: [card] });
    });
    return rows;
  }
  function layOutGoals() {
    const grid = $("goals");
    const cards = [...grid.children];
    const room = grid.parentElement.clientHeight;
    for (const layout of goalLayouts(cards.length)) {
      grid.className = `goal-grid ${layout.mode}`;
      grid.style.setProperty("--cols", layout.cols);
      cards.forEach((card) => { card.hidden = false; });
      const rows = rowsOf(grid, cards);
      goalPages = [];
      let start = null;
      for (const row of rows) {   // whole rows, as many as the screen holds, per page
        if (start === null || row.bottom - start > room) { goalPages.push([]); start = row.top; }
        goalPages[goalPages.length - 1].push(...row.cards);
      }
      const rowsFit = rows.every((row) => row.bottom - row.top <= room);
      if (rowsFit && (goalPages.length <= 1 || layout.page)) break;
    }
    goalPage = Math.min(goalPage, Math.max(0, goalPages.length - 1));
    showGoalPage();
  }
  function showGoalPage() {
    const shown = new Set(goalPages[goalPage] || []);
    [...$("goals").children].forEach((card) => { card.hidden = !shown.has(card); });
    const tab = document.querySelector("#tabs [data-for=goals] .pages");
    if (tab) tab.textContent = goalPages.length > 1 ? `${goalPage + 1}/${goalPages.length}` : "";
  }

  function renderFeed() {
    $("feed").innerHTML = state.feed.map((e) => {
      const pts = H.points(e);
      return `<li><i class="k ${H.kindClass(e)}"></i><time>${H.when(e.occurred_at)}</time>
        <span class="line">${H.describe(e, state.teams, null, { customers: false })}</span>
        ${pts > 0 ? `<span class="pts">+${score(pts)}</span>` : ""}${pts < 0 ? `<span class="pts taken">−${score(-pts)}</span>` : ""}</li>`;
    }).join("");
    // a line the TV shortens to two keeps its whole text as a title
    $("feed").querySelectorAll(".line").forEach((line) => { line.title = line.textContent.replace(/\s+/g, " ").trim(); });
  }

  /* Quotes, big enough to read: one is told big, three smaller. */
  function sizeQuotes(box, count) {
    const n = Math.max(count, 1);
    box.style.setProperty("--n", n);
    box.style.setProperty("--q", [5.2, 4.2, 3.4][n - 1] || 3.4);
    box.style.setProperty("--lines", [5, 4, 3][n - 1] || 3);
  }

  /* How deals were won, in the sellers' own words: the newest three. */
  function renderStories() {
    sizeQuotes($("stories"), state.stories.length);
    $("stories").innerHTML = state.stories.map((s) => {
      const team = state.teams.get(s.team_id);
      return `<figure style="--team:${color((team || {}).color)}">
        <blockquote title="${esc(s.text)}">${esc(s.text)}</blockquote>
        <figcaption>${named("b", s.member_name || "")}<span>${esc(fill(t.story_won, { customer: s.customer || "" }))}
          ${team ? ` · <i class="dot"></i>${esc(teamLabel(team))}` : ""}</span></figcaption>
      </figure>`;
    }).join("");
  }

  /* What customers praised lately, in their words: the seller and the team are named, the
   * customer never (the API leaves them out). */
  function renderPraise() {
    sizeQuotes($("praise"), state.praise.length);
    $("praise").innerHTML = state.praise.map((p) => {
      const team = state.teams.get(p.team_id);
      const stars = "★".repeat(Math.max(0, Math.min(5, Number(p.rating) || 0)));
      return `<figure style="--team:${color((team || {}).color)}">
        <blockquote title="${esc(p.comment)}">${esc(p.comment)}</blockquote>
        <figcaption>${named("b", p.seller_name || "")}<span><em class="stars">${stars}</em> · ${esc(t.praise_from)}
          ${team ? ` · <i class="dot"></i>${esc(teamLabel(team))}` : ""}</span></figcaption>
      </figure>`;
    }).join("");
  }

  const renderers = { teams: renderTeams, members: renderMembers, goals: renderGoals, feed: renderFeed,
    stories: renderStories, praise: renderPraise, rising: renderRising, improved: renderImproved,
    activity: renderActivity };
  const fixedContent = { teams: () => true, members: () => true,
    goals: () => state.goals.size > 0, feed: () => state.feed.length > 0, stories: () => state.stories.length > 0,
    praise: () => state.praise.length > 0, rising: () => state.rising.length > 0,
    improved: () => state.improved.length > 0 };
  /* A view is worth a turn when it has something to show: a metric once it has counts. */
  function hasContent(name) {
    if (fixedContent[name]) return fixedContent[name]();
    const metric = metricOf(name);
    return Boolean(metric && (state.boards.get(metric.key) || []).length);
  }

  /* Many updates in a burst (a replay after an outage) cost one render, not hundreds. */
  let renderTimer = null;
  function renderSoon() {
    if (renderTimer === null) renderTimer = setTimeout(() => { renderTimer = null; renderAll(); }, 150);
  }
  function renderAll() {
    Object.values(renderers).forEach((render) => render());
    updateTabs();
  }

  /* --- rotation ------------------------------------------------------------------------- */
  /* The views in turn: the eight, then one per activity metric ("metric:<key>", all shown in
   * the activity section); ?view=activity turns through the metrics only. */
  const FIXED = ["teams", "members", "goals", "feed", "stories", "praise", "rising", "improved"];
  const WIDE_TABS = 7;   // more tabs than this shown at once: they narrow to fit the header
  const views = [...document.querySelectorAll(".view")];
  const sectionOf = (name) => (name.startsWith("metric:") ? "activity" : name);
  function turns() {
    const metrics = state.metrics.map((m) => `metric:${m.key}`);
    if (PINNED === "activity") return metrics;
    return PINNED ? [PINNED] : [...FIXED, ...metrics];
  }
  let current = PINNED || "teams";   // "activity": pinned there before any metric has counts
  function show(name, page = 0) {
    current = name;
    goalPage = page;
    views.forEach((v) => { v.hidden = v.dataset.view !== sectionOf(current); });
    if (sectionOf(current) === "activity") renderActivity();
    if (current === "goals") layOutGoals();
    updateTabs();
    const tick = $("tick");   // restart the little progress line under the view
    tick.classList.remove("run"); void tick.offsetWidth;
    if (!PINNED || goalPages.length > 1 || turns().filter(hasContent).length > 1) tick.classList.add("run");
  }
  function updateTabs() {
    const turning = new Set(turns());
    let shown = 0;
    document.querySelectorAll("#tabs > span").forEach((tab) => {
      const name = tab.dataset.for;
      tab.classList.toggle("on", name === current);
      tab.hidden = !turning.has(name) || !hasContent(name);
      if (!tab.hidden) shown += 1;
      const label = tab.textContent.replace(/\s+/g, " ").trim();   // a shortened tab keeps its full text
      if (tab.title !== label) tab.title = label;
    });
    $("tabs").classList.toggle("many", shown > WIDE_TABS);   // narrower tabs
    $("tabs").hidden = Boolean(PINNED) && (PINNED !== "activity" || shown === 0);
  }
  /* One step on: the next page of goals, else the next view with something to show (a
   * pinned view only turns its own pages; pinned activity turns through the metrics). */
  function rotate(direction = 1) {
    const onGoals = current === "goals" && goalPages.length > 1;
    if (onGoals && goalPage + direction >= 0 && goalPage + direction < goalPages.length) {
      show(current, goalPage + direction);
      return;
    }
    if (PINNED && PINNED !== "activity") { if (onGoals) show(current, direction > 0 ? 0 : goalPages.length - 1); return; }
    const list = turns();
    const at = list.indexOf(current);   // -1: the metric shown is gone, or none was yet
    for (let step = 1; step <= list.length; step += 1) {
      const next = list[(((at + direction * step) % list.length) + list.length) % list.length];
      if (hasContent(next)) { show(next); if (direction < 0) lastGoalPage(); return; }
    }
  }
  function lastGoalPage() {
    if (current === "goals" && goalPages.length > 1) show(current, goalPages.length - 1);
  }
  document.documentElement.style.setProperty("--rotate", `${ROTATE_MS}ms`);
  show(current);
  let rotation = setInterval(rotate, ROTATE_MS);
  document.addEventListener("keydown", (event) => {
    const direction = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (!direction || !$("signin").hidden) return;
    event.preventDefault();
    rotate(direction);
    clearInterval(rotation);   // a full turn on the new view or page before the next step
    rotation = setInterval(rotate, ROTATE_MS);
  });
  window.addEventListener("resize", () => { if (current === "goals") layOutGoals(); });

  /* --- activity metrics: their boards come from the API ------------------------------------
   * One job with one timer: activities mark their metric's board stale, and the job fetches
   * the stale boards at most every METRIC_RELOAD_MS, so a burst costs one fetch per metric.
   * A snapshot (a reconnect, a new season) fetches the list of metrics and every board. */
  const teamQuery = url.searchParams.get("team_id") ? `&team_id=${encodeURIComponent(url.searchParams.get("team_id"))}` : "";
  const metricJob = { timer: null, running: false, lastRun: 0, stale: new Set(), list: false };
  function reloadMetrics(keys, list = false) {
    keys.forEach((key) => metricJob.stale.add(key));
    metricJob.list = metricJob.list || list;
    scheduleMetrics();
  }
  function scheduleMetrics() {
    const job = metricJob;
    if (job.timer !== null || job.running || (!job.list && !job.stale.size)) return;
    job.timer = setTimeout(runMetrics, Math.max(150, job.lastRun + METRIC_RELOAD_MS - Date.now()));
  }
  /* A request that neither answers nor fails (a half-open connection) must not stall the job. */
  function within(promise, ms) {
    let timer = null;
    const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("timed out")), ms); });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }
  async function runMetrics() {
    const job = metricJob;
    const list = job.list;
    let keys = [...job.stale];
    Object.assign(job, { timer: null, running: true, lastRun: Date.now(), list: false });
    job.stale.clear();
    let ok = false;
    try {
      if (list) {
        state.metrics = await within(H.api("/api/metrics"), METRIC_TIMEOUT_MS);
        keys = state.metrics.map((m) => m.key);
      }
      const known = new Set(state.metrics.map((m) => m.key));
      keys = keys.filter((key) => known.has(key));
      const boards = await within(Promise.all(keys.map((key) => H.api(
        `/api/leaderboards/members?metric=${encodeURIComponent(key)}&limit=${TOP_MEMBERS}${teamQuery}`))), METRIC_TIMEOUT_MS);
      keys.forEach((key, i) => state.boards.set(key, boards[i].entries.filter((r) => r.score > 0)));
      [...state.boards.keys()].forEach((key) => { if (!known.has(key)) state.boards.delete(key); });
      ok = true;
    } catch (error) {
      // fetched again with the next activity or snapshot, not in a loop against a server in trouble
      keys.forEach((key) => job.stale.add(key));
      job.list = job.list || list;
      console.error(error);
    }
    job.running = false;
    if (ok) scheduleMetrics();   // what came in meanwhile
    metricsChanged();
  }
  /* The tabs follow the metrics; a metric view left without counts hands over to the next. */
  let metricTabs = "";
  function metricsChanged() {
    const tabs = state.metrics.map((m) => `<span data-for="metric:${esc(m.key)}">${esc(m.name)}</span>`).join("");
    if (tabs !== metricTabs) {
      metricTabs = tabs;
      document.querySelectorAll("#tabs > [data-for^='metric:']").forEach((tab) => tab.remove());
      $("tabs").insertAdjacentHTML("beforeend", tabs);
    }
    if (sectionOf(current) === "activity" && !hasContent(current)) rotate();
    renderActivity();
    updateTabs();
  }

  /* A list the API keeps (the stories, the praise), fetched with each snapshot and again on
   * the entries that change it; one asked for while a fetch is on its way is fetched again
   * after it. */
  function reloader(path, apply) {
    let loading = null;
    let again = false;
    const load = () => {
      if (loading) { again = true; return; }
      loading = within(H.api(path), METRIC_TIMEOUT_MS)
        .then((rows) => { apply(rows); renderSoon(); })
        .catch((error) => console.error(error))
        .finally(() => {
          loading = null;
          if (again) { again = false; load(); }
        });
    };
    return load;
  }
  // the stories: with each new story and each reversal (which takes a deal's story back)
  const loadStories = reloader(`/api/stories?limit=${STORIES_MAX}${teamQuery}`, (rows) => { state.stories = rows; });
  // the praise: with each customer's answer, and when a member leaves (theirs goes with them)
  const loadPraise = reloader(`/api/praise?limit=${PRAISE_MAX}${teamQuery}`, (rows) => { state.praise = rows; });

  /* Rising stars and the most improved come from the API: with each snapshot, then at most
   * every GROWTH_RELOAD_MS while points move (one timer). Most improved needs a running
   * season (422 without one): then it is empty, and skipped. */
  const GROWTH_RELOAD_MS = 5000;
  const growthJob = { timer: null, lastRun: 0 };
  function reloadGrowth() {
    if (growthJob.timer !== null) return;
    growthJob.timer = setTimeout(runGrowth, Math.max(150, growthJob.lastRun + GROWTH_RELOAD_MS - Date.now()));
  }
  /* The rows worth showing (one team's, on a team's TV), ranked again among themselves. */
  function mine(rows) {
    const shown = rows.filter((r) => r.score > 0 && (TEAM_ID === null || r.team_id === TEAM_ID))
      .slice(0, TOP_MEMBERS);
    return shown.map((r, i) => ({ ...r, rank: i && r.score === shown[i - 1].score ? null : i + 1 }))
      .map((r, i, all) => ({ ...r, rank: r.rank || all.slice(0, i).reverse().find((p) => p.rank).rank }));
  }
  async function runGrowth() {
    Object.assign(growthJob, { timer: null, lastRun: Date.now() });
    const [rising, improved] = await Promise.all([
      within(H.api("/api/leaderboards/newcomers?season=current"), METRIC_TIMEOUT_MS).catch(() => null),
      within(H.api("/api/leaderboards/most-improved?season=current"), METRIC_TIMEOUT_MS).catch(() => null),
    ]);
    if (rising) state.rising = mine(rising.entries);
    if (improved) state.improved = mine(improved.entries);
    else state.improved = [];
    renderSoon();
  }

  /* --- the clock ------------------------------------------------------------------------ */
  const clockFormat = new Intl.DateTimeFormat(H.config.locale, { weekday: "short", hour: "2-digit", minute: "2-digit" });
  function clock() {
    const text = clockFormat.format(new Date());
    if ($("clock").textContent !== text) $("clock").textContent = text;
  }
  clock();
  setInterval(clock, 10000);

  /* --- celebrations: queued, one at a time, capped --------------------------------------- */
  const queue = [];
  let celebrating = null;
  (function confetti() {   // built once and reused: the DOM never grows
    const colours = ["#f5b700", "#ff5d73", "#3ddc97", "#4cc9f0", "#ffffff", "#c77dff"];
    $("confetti").innerHTML = Array.from({ length: 36 }, (_, i) =>
      `<i style="--x:${(i * 37) % 100}vw;--d:${(i % 9) * 0.18}s;--s:${2.2 + (i % 5) * 0.35}s;--c:${colours[i % colours.length]};--r:${(i * 53) % 360}deg"></i>`).join("");
  })();

  function memberName(id, entry) {
    const row = state.members.get(id);
    if (row) return row.name;
    const award = entry.awards.find((a) => a.member_id === id);
    return award ? award.name : "";
  }

  /* What the scoring team gained: the scorer's points, the team share, teammates' assists. */
  function teamPoints(entry) {
    const sum = entry.awards.filter((a) => a.team_id === entry.team_id).reduce((s, a) => s + a.points, 0);
    return Math.round(sum * 100) / 100;
  }

  function celebrationsFor(entry) {
    const items = [];
    const team = state.teams.get(entry.team_id);
    // a correction's re-scoring is no new goal: only a goal it reaches or a badge it earns
    if (entry.kind === "deal.won" && (entry.data || {}).rescores == null) {
      const assists = entry.awards.filter((a) => a.category === "assists").map((a) => a.name);
      items.push({ title: t.goal, name: entry.member_name, team: teamLabel(team),
        extra: assists.length ? fill(t.assists_by, { names: assists.join(", ") }) : "",
        points: fill(t.team_points, { points: score(teamPoints(entry)) }), color: teamColor(entry.team_id) });
    }
    for (const ev of entry.events || []) {
      const evTeam = state.teams.get(ev.team_id);
      if (ev.type === "goal_reached" && ev.scope === "member") {
        items.push({ title: t.member_goal_reached, name: memberName(ev.member_id, entry),
          team: teamLabel(evTeam), color: teamColor(ev.team_id) });
      } else if (ev.type === "goal_reached") {
        items.push({ title: t.goal_reached, name: teamLabel(evTeam),
          team: `${t.team_goal} · ${ev.metric === "revenue" ? t.revenue : t.deals}`, color: teamColor(ev.team_id) });
      } else if (ev.type === "badge") {
        items.push({ title: t.badge, name: ev.name, team: H.config.badges[ev.badge] || ev.title,
          color: teamColor(ev.team_id) });
      } else if (ev.type === "improvement") {   // a newcomer beat their own week before
        items.push({ title: t.improvement, name: ev.name, team: teamLabel(evTeam),
          extra: fill(t.improvement_by, { points: score(ev.points), baseline: score(ev.baseline) }),
          color: teamColor(ev.team_id) });
      }
    }
    return items;
  }

  function celebrate(entry) {
    if (Date.now() - Date.parse(entry.recorded_at) > CELEBRATE_RECENT_MS) return;
    queue.push(...celebrationsFor(entry));
    queue.splice(0, Math.max(0, queue.length - QUEUE_MAX));   // a burst never builds an endless show
    if (celebrating === null) nextCelebration();
  }

  function nextCelebration() {
    const item = queue.shift();
    const box = $("celebration");
    if (!item) { celebrating = null; box.hidden = true; return; }
    $("cele-title").textContent = item.title;
    $("cele-name").textContent = item.name || "";
    $("cele-team").textContent = item.team || "";
    $("cele-extra").textContent = item.extra || "";
    $("cele-points").textContent = item.points || "";
    box.classList.toggle("long-name", (item.name || "").length > 24);
    box.style.setProperty("--team", item.color);
    box.hidden = false;
    box.classList.remove("pop"); void box.offsetWidth; box.classList.add("pop");
    celebrating = setTimeout(nextCelebration, CELEBRATE_MS);
  }

  /* --- live ----------------------------------------------------------------------------- */
  const merge = (map, rows, key) => rows.forEach((row) => map.set(row[key], row));
  const params = {};
  if (url.searchParams.get("team_id")) params.team_id = url.searchParams.get("team_id");
  if (!H.token()) return;
  new H.Live(params, {
    snapshot(m) {
      state.members = new Map(m.members.map((r) => [r.member_id, r]));
      state.teams = new Map(m.teams.map((r) => [r.team_id, r]));
      state.goals = new Map(m.goals.map((g) => [g.id, g]));
      state.feed = m.feed.filter(H.isNews).slice(0, FEED_MAX);
      $("season").textContent = m.season ? m.season.name : "";
      $("season").title = $("season").textContent;
      renderAll();
      reloadMetrics([], true);
      loadStories();
      loadPraise();
      reloadGrowth();
    },
    update(m) {
      merge(state.members, m.members, "member_id");
      (m.gone || []).forEach((id) => state.members.delete(id));   // a member who left
      merge(state.teams, m.teams, "team_id");
      merge(state.goals, m.goals, "id");
      (m.goals_gone || []).forEach((id) => state.goals.delete(id));   // a goal removed
      if (H.isNews(m.entry)) state.feed = [m.entry, ...state.feed].slice(0, FEED_MAX);
      // a new story, or a reversal that takes one back: the stories that stand, fetched again
      if (m.entry.kind === "story.posted" || m.entry.kind === "deal.reversed") loadStories();
      if (m.entry.kind === "feedback.received" || (m.gone || []).length) loadPraise();
      if ((m.entry.awards || []).length) reloadGrowth();
      renderSoon();
      const metric = (m.entry.data || {}).metric;
      if (m.entry.kind === "activity") reloadMetrics([metric], !metricOf(`metric:${metric}`));
      else if (m.entry.kind === "metric.defined") reloadMetrics([], true);
      // only what the server marks (a goal, a goal reached, a badge): never a reversal, and
      // never an activity (they only move their metric's board)
      if (m.entry.celebrate === true && m.entry.kind !== "activity") celebrate(m.entry);
    },
  }).start();
})();
