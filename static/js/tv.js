/* The office TV: rotating views, celebrations, and a socket that heals itself.
 * Built to run for weeks without a reload: state lives in maps keyed by id and a capped
 * feed, every view is rebuilt rather than appended to, the celebration queue is capped,
 * and there is one timer per job, never one per message.
 * URL options: ?token= (kept, then hidden), ?lang=, ?team_id=,
 * ?view=teams|members|goals|contests|feed|stories|praise|rising|improved (pin one view) or ?view=activity (rotate through the activity metrics' boards only),
 * ?rotate=<seconds> (default 15). The arrow keys (a TV remote has them) step through the views
 * and the pages of goals and of contests by hand. Once the org counts activities (calls, meetings), each metric
 * with counts this season is a view of its own after the others, its board fetched from the API.
 * While contests run, each is a page of the contests view: its top five, a tug-of-war for a
 * head-to-head, a ladder for tiers, bars toward a race's target; a contest won is celebrated. */
(function () {
  "use strict";
  const H = window.Huddle;
  const { t, fmt, esc, fill, color, teamLabel } = H;
  const score = H.fmtScore;
  const $ = (id) => document.getElementById(id);
  const url = new URL(window.location.href);
  const ROTATE_MS = Math.max(5, Number(url.searchParams.get("rotate")) || 15) * 1000;
  const PINNED = ["teams", "members", "goals", "contests", "feed", "stories", "praise", "rising", "improved", "activity"]
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
    metrics: [], boards: new Map(), rising: [], improved: [], contests: new Map() };
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
  let viewPage = 0;   // the page of the view shown: of the goals, or the contest shown
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
    viewPage = Math.min(viewPage, Math.max(0, goalPages.length - 1));
    showGoalPage();
  }
  function showGoalPage() {
    const shown = new Set(goalPages[viewPage] || []);
    [...$("goals").children].forEach((card) => { card.hidden = !shown.has(card); });
    const tab = document.querySelector("#tabs [data-for=goals] .pages");
    if (tab) tab.textContent = goalPages.length > 1 ? `${viewPage + 1}/${goalPages.length}` : "";
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

  /* --- contests: each running one a page of the contests view ---------------------------- */
  const C = H.contests;
  const CONTEST_TOP = 5;
  const SIDE_COLORS = ["#4cc9f0", "#ff5d73"];   // two sides the teams' colours cannot tell apart
  let rewardNames = new Map();   // reward id → name, for prizes from the shop
  const metricNames = () => new Map(state.metrics.map((m) => [m.key, m.name]));
  /* Whether a contest is a team's (on a team's TV): the team, or one of its players, takes part. */
  function concernsTeam(c) {
    if (TEAM_ID === null) return true;
    const p = c.participants || {};
    const sides = c.sides || [];
    const teams = [...(p.team_ids || []), ...sides.flatMap((side) => side.team_ids || [])];
    const members = [...(p.member_ids || []), ...sides.flatMap((side) => side.member_ids || [])];
    return c.team_id === TEAM_ID || teams.includes(TEAM_ID)
      || members.some((id) => (state.members.get(id) || {}).team_id === TEAM_ID);
  }
  /* The running contests, the one ending soonest first. */
  function runningContests() {
    return [...state.contests.values()].filter((c) => c.state === "running" && concernsTeam(c))
      .sort((a, b) => Date.parse(a.ends_at) - Date.parse(b.ends_at) || a.id - b.id);
  }
  const memberTeam = (id) => (state.members.get(id) || {}).team_id;
  function rowColor(row) {
    if (row.team_id != null) return teamColor(row.team_id);
    return row.member_id != null ? teamColor(memberTeam(row.member_id)) : color(null);
  }
  /* A side's colour is its team's; two sides of one colour (two players of a team) get two. */
  function sideColors(c) {
    const colors = (c.sides || []).slice(0, 2).map((side) => {
      const team = (side.team_ids || [])[0] ?? memberTeam((side.member_ids || [])[0]);
      return team != null && state.teams.has(team) ? teamColor(team) : null;
    });
    return colors.length === 2 && colors[0] && colors[1] && colors[0] !== colors[1] ? colors : SIDE_COLORS;
  }
  const countdown = (ends) => (Date.parse(ends) <= Date.now() ? t.contest_ending : C.timeLeft(ends, true));
  const toTarget = (c) => ["race", "team_target"].includes(c.format) && c.target > 0;

  function contestRow(c, r) {
    const share = r.progress != null ? r.progress : (Number(r.value) || 0) / c.target;
    const width = share > 0 ? Math.max(2, Math.min(100, 100 * share)) : 0;
    const bar = toTarget(c) ? `<span class="meter"><i style="width:${width}%"></i></span>` : "";
    const tier = c.format === "tiers" && r.tier ? `<em class="tier">${esc(fill(t.tier_n, { n: r.tier }))}</em>` : "";
    const value = toTarget(c) ? `${score(r.value)}<small> / ${fmt(c.target)}</small>` : esc(C.scoreText(c, r));
    return `<li style="--team:${rowColor(r)}">
        <span class="rank${medal(r.rank)}">${r.rank}</span>
        <span class="name">${named("b", r.team_id != null ? teamLabel(state.teams.get(r.team_id)) || r.name : r.name)}${bar}</span>
        <span class="score">${tier}${value}</span>
      </li>`;
  }
  /* Tiers: every step of the ladder, the top one first, with how many reached it. */
  function ladder(c) {
    const rows = c.standings || [];
    const total = Math.max(1, c.count || rows.length);
    return `<ol class="ladder">${(c.tiers || []).map((tier, i) => {
      const reached = rows.filter((r) => (r.tier || 0) >= i + 1).length;
      const prize = C.prizeText(tier.prize, rewardNames);
      return `<li class="${reached ? "reached" : ""}"><span class="step">${esc(fill(t.tier_n, { n: i + 1 }))}</span>
        <span class="what"><b>${fmt(tier.target)}</b>${prize ? named("small", prize, "", "fit") : ""}
          <span class="meter"><i style="width:${(100 * reached) / total}%"></i></span></span>
        <span class="count">${esc(H.count("reached_n", reached))}</span></li>`;
    }).reverse().join("")}</ol>`;
  }
  /* A head-to-head: the two sides pulling at one rope, by their share of the two scores. */
  function tug(c) {
    const { rows, share } = C.sides(c);
    const colors = sideColors(c);
    const side = (r, i) => `<div class="side side-${i}" style="--team:${colors[i]}">${named("b", r.name)}
        <span class="score">${esc(C.scoreText(c, r))}</span></div>`;
    return `<div class="tug" style="--a:${colors[0]};--b:${colors[1]}">
        ${side(rows[0], 0)}<span class="vs">${esc(t.versus)}</span>${side(rows[1], 1)}
        <div class="rope"><i style="width:${100 * share}%"></i><span class="knot" style="left:${100 * share}%"></span></div>
        <div class="shares"><span>${esc(C.percentText(share))}</span><span>${esc(C.percentText(1 - share))}</span></div>
      </div>`;
  }
  function renderContest() {
    const list = runningContests();
    const tab = document.querySelector("#tabs [data-for=contests] .pages");
    if (tab) tab.textContent = list.length > 1 ? `${current === "contests" ? viewPage + 1 : 1}/${list.length}` : "";
    const c = list[Math.min(viewPage, list.length - 1)];
    const box = $("contest");
    if (current !== "contests" || !c) {   // a pinned contests view with none running says so
      box.className = "contest";
      box.innerHTML = current === "contests" ? `<p class="empty">${esc(t.no_contests)}</p>` : "";
      return;
    }
    const rows = (c.standings || []).slice(0, CONTEST_TOP);
    const prizes = C.prizesLine(c, rewardNames);
    box.className = `contest format-${c.format}`;
    box.dataset.contest = c.id;
    box.innerHTML = `<header class="contest-head">
        <div class="contest-title">${named("h2", c.name)}${named("span", C.about(c, metricNames()), "", "about")}</div>
        <div class="countdown"><small>${esc(t.ends_in_label)}</small><b data-ends="${esc(c.ends_at)}">${esc(countdown(c.ends_at))}</b></div>
      </header>
      ${c.format === "head_to_head" ? tug(c) : `<div class="contest-body${c.format === "tiers" ? " with-ladder" : ""}">
        <ol class="contest-rows">${rows.map((r) => contestRow(c, r)).join("") || `<li class="empty">${esc(t.no_scores_yet)}</li>`}</ol>
        ${c.format === "tiers" ? ladder(c) : ""}</div>`}
      ${prizes ? named("footer", prizes, "", "contest-prizes") : ""}`;
  }
  /* The countdown ticks each second while a contest is shown: one timer, its text only. */
  setInterval(() => {
    const el = current === "contests" && document.querySelector("#contest .countdown b");
    if (el) el.textContent = countdown(el.dataset.ends);
  }, 1000);
  /* The list changed: a contests view left without one hands over to the next view. */
  function contestsChanged() {
    if (current === "contests" && !hasContent("contests")) rotate();
    else if (current === "contests") viewPage = Math.min(viewPage, pageCount("contests") - 1);
    renderSoon();
  }

  const renderers = { teams: renderTeams, members: renderMembers, goals: renderGoals, contests: renderContest, feed: renderFeed,
    stories: renderStories, praise: renderPraise, rising: renderRising, improved: renderImproved,
    activity: renderActivity };
  const fixedContent = { teams: () => true, members: () => true,
    goals: () => state.goals.size > 0, contests: () => runningContests().length > 0, feed: () => state.feed.length > 0, stories: () => state.stories.length > 0,
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
  /* The views in turn: the nine, then one per activity metric ("metric:<key>", all shown in
   * the activity section); ?view=activity turns through the metrics only. */
  const FIXED = ["teams", "members", "goals", "contests", "feed", "stories", "praise", "rising", "improved"];
  const WIDE_TABS = 7;   // more tabs than this shown at once: they narrow to fit the header
  const views = [...document.querySelectorAll(".view")];
  const sectionOf = (name) => (name.startsWith("metric:") ? "activity" : name);
  function turns() {
    const metrics = state.metrics.map((m) => `metric:${m.key}`);
    if (PINNED === "activity") return metrics;
    return PINNED ? [PINNED] : [...FIXED, ...metrics];
  }
  let current = PINNED || "teams";   // "activity": pinned there before any metric has counts
  /* Views with pages: the goals (as many as the screen needs), the contests (one each). */
  const pageCount = (name) => (name === "goals" ? goalPages.length : name === "contests" ? runningContests().length : 1);
  function show(name, page = 0) {
    current = name;
    viewPage = page;
    views.forEach((v) => { v.hidden = v.dataset.view !== sectionOf(current); });
    if (sectionOf(current) === "activity") renderActivity();
    if (current === "goals") layOutGoals();
    renderContest();   // its page number in the tab, shown or not
    updateTabs();
    const tick = $("tick");   // restart the little progress line under the view
    tick.classList.remove("run"); void tick.offsetWidth;
    if (!PINNED || pageCount(current) > 1 || turns().filter(hasContent).length > 1) tick.classList.add("run");
  }
  function updateTabs() {
    const turning = new Set(turns());
    const next = following(1);
    let shown = 0;
    document.querySelectorAll("#tabs > span").forEach((tab) => {
      const name = tab.dataset.for;
      tab.classList.toggle("on", name === current);
      tab.classList.toggle("next", name === next && name !== current);
      tab.hidden = !turning.has(name) || !hasContent(name);
      if (!tab.hidden) shown += 1;
      const label = tab.textContent.replace(/\s+/g, " ").trim();   // a shortened tab keeps its full text
      if (tab.title !== label) tab.title = label;
    });
    $("tabs").classList.toggle("many", shown > WIDE_TABS);   // narrower tabs
    $("tabs").hidden = Boolean(PINNED) && (PINNED !== "activity" || shown === 0);
  }
  /* One step on: the next page of goals or the next contest, else the next view with
   * something to show (a pinned view only turns its own pages; pinned activity turns
   * through the metrics). */
  function rotate(direction = 1) {
    const pages = pageCount(current);
    if (pages > 1 && viewPage + direction >= 0 && viewPage + direction < pages) {
      show(current, viewPage + direction);
      return;
    }
    if (PINNED && PINNED !== "activity") { if (pages > 1) show(current, direction > 0 ? 0 : pages - 1); return; }
    const next = following(direction);
    if (next !== null) { show(next); if (direction < 0) lastPage(); }
  }
  /* The view after (or before) the one shown that has something to show; null: none. */
  function following(direction) {
    const list = turns();
    const at = list.indexOf(current);   // -1: the metric shown is gone, or none was yet
    for (let step = 1; step <= list.length; step += 1) {
      const next = list[(((at + direction * step) % list.length) + list.length) % list.length];
      if (hasContent(next)) return next;
    }
    return null;
  }
  function lastPage() {
    if (pageCount(current) > 1) show(current, pageCount(current) - 1);
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
      loading = within(typeof path === "function" ? path() : H.api(path), METRIC_TIMEOUT_MS)
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
  // the running contests, with each snapshot and each entry that makes, ends or answers one;
  // the upcoming ones only say when to look again (when the next one starts or ends)
  const contestAlarm = C.alarm(() => loadContests());
  const hasRewardPrize = (c) => [...(c.prizes || []), ...(c.tiers || []).map((tier) => tier.prize)]
    .some((prize) => prize && prize.reward_id != null);
  let contestRetry = null;   // a fetch that failed is tried again, once, a little later
  const loadContests = reloader(async () => {
    try {
      const [running, upcoming] = await Promise.all([H.api("/api/contests?state=running"),
        H.api("/api/contests?state=upcoming")]);
      const rewards = running.some(hasRewardPrize) ? await H.api("/api/rewards") : null;
      return { running, upcoming, rewards };
    } catch (error) {
      if (contestRetry === null && C.passing(error)) contestRetry = setTimeout(() => { contestRetry = null; loadContests(); }, 10000);
      throw error;
    }
  }, ({ running, upcoming, rewards }) => {
    state.contests = new Map(running.map((c) => [c.id, c]));
    if (rewards) rewardNames = new Map(rewards.map((r) => [r.id, r.name]));
    contestAlarm([...running, ...upcoming]);
    contestsChanged();
  });

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

  /* A contest won: its winners by name (the first four), the contest, the first place's prize. */
  function contestWon(entry) {
    const d = entry.data || {};
    const winners = d.winners || [];
    if (!winners.length) return [];
    const first = winners[0];
    const contest = state.contests.get(d.contest_id);
    let tint = first.team_id != null ? teamColor(first.team_id) : teamColor(memberTeam(first.member_id));
    if (first.side != null && contest) {
      const i = (contest.sides || []).findIndex((side) => side.name === first.side);
      if (i >= 0) tint = sideColors(contest)[i];
    }
    const names = winners.slice(0, 4).map((w) => w.name).join(", ");
    return [{ title: winners.length > 1 ? t.contest_winners : t.contest_winner,
      name: winners.length > 4 ? `${names} ${fill(t.and_more, { n: fmt(winners.length - 4) })}` : names,
      team: d.name, points: C.prizeText({ ...first.prize, coins: first.coins }, rewardNames), color: tint }];
  }

  function celebrationsFor(entry) {
    if (entry.kind === "contest.settled") return contestWon(entry);
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
      loadContests();   // updates may have been missed
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
      // contests: standings moved live; a contest made, cancelled, answered or won is fetched again
      const moved = C.applyUpdate(state.contests, m, { unknown: true });
      if (m.entry.kind === "contest.settled") state.contests.delete((m.entry.data || {}).contest_id);
      if (moved.reload) loadContests();
      if (moved.changed || moved.reload) contestsChanged();
    },
  }).start();
})();
