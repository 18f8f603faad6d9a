/* The coach's view: the team by category, mentoring points, goals, recent deals to reverse
 * or correct, and what losses teach. Managers see their own team; an admin picks one at the
 * top (?team_id=; without one, an admin sees every team's recent deals, contests and rewards,
 * the seasons and the CRM connections, and nothing else). */
(function () {
  "use strict";
  const H = window.Huddle;
  const { t, api, fmt, esc, fill, config, say, submitting, pageMessage } = H;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let teamId = null;
  let team = [];
  let everyone = [];          // an admin's view of all teams: every member, for the seller lists
  let teams = new Map();      // ... and every team, named beside its deals

  /* The team's players with their points in every category: one board per category. */
  async function loadTable() {
    const board = (category) => api(`/api/leaderboards/members?season=current&team_id=${teamId}&limit=500`
      + (category ? `&category=${category}` : ""));
    const [total, ...byCategory] = await Promise.all([board(null), ...config.category_order.map(board)]);
    $("season").textContent = total.season ? total.season.name : "";
    // the activity column only once the team logs activities (most teams count none)
    const shown = config.category_order.map((c, i) => [c, byCategory[i]])
      .filter(([c, b]) => c !== "activity" || b.entries.some((e) => e.score));
    const scores = shown.map(([, b]) => new Map(b.entries.map((e) => [e.member_id, e.score])));
    // each cell names its column too: on a phone a row becomes a card of "name value" pairs
    const labels = shown.map(([c]) => esc(config.categories[c]));
    const cell = (value, i) => `<td class="${value ? "" : "zero"}" data-label="${labels[i]}">${fmt(value || 0)}</td>`;
    $("team-table").innerHTML = `<thead><tr><th>${t.rank}</th><th>${t.member}</th>
      ${labels.map((label) => `<th>${label}</th>`).join("")}<th>${t.points_label}</th></tr></thead>
      <tbody>${total.entries.map((e) => `<tr><td class="rank">${e.rank}</td><td class="name" data-rank="${e.rank}">${esc(e.name)}</td>
        ${scores.map((s, i) => cell(s.get(e.member_id), i)).join("")}<td class="total" data-label="${esc(t.points_label)}">${fmt(e.score)}</td></tr>`).join("")}</tbody>`;
  }

  async function loadBudget() {
    if (me.role !== "manager") return;   // a manager's own weekly budget: an admin has none (403)
    const budget = await api("/api/mentoring/budget");
    $("budget").textContent = `${fmt(budget.left)} / ${fmt(budget.budget)}`;
  }

  async function loadGoals() {
    const goals = await api(`/api/goals?team_id=${teamId}&season=current`);
    const line = (label, p, cls) => `<div class="goal-line ${cls}"><span>${esc(label)}</span>
      <span class="num">${fmt(p.value)} / ${fmt(p.target)}</span>${H.bar(p)}</div>`;
    $("team-goals").innerHTML = goals.map((g) => `<article class="goal-card">
      <header><b>${g.metric === "revenue" ? t.revenue : t.deals}</b><span>${Math.round(g.progress.percent || 0)}%</span></header>
      ${line(t.team_goal, g.progress, "team")}
      ${g.member_targets.map((m) => line(m.name, m.progress, "")).join("")}</article>`).join("")
      || `<p class="empty">${t.none_yet}</p>`;
  }

  async function loadInsights() {
    const data = await api(`/api/insights/losses?team_id=${teamId}&season=current`);
    $("review-count").textContent = H.count("reviews_n", data.reviews);
    $("insights").innerHTML = data.reviews ? data.questions.map((q) => `
      <li><span>${q.number}. ${esc(config.questions[q.number - 1] || q.question)}</span>
        <div class="bar warn"><i style="width:${Math.round(q.weakness * 100)}%"></i></div>
        <span class="counts">${t.yes} ${q.yes} · ${t.partly} ${q.partly} · ${t.no} ${q.no}</span></li>`).join("")
      : `<li class="empty">${t.none_yet}</li>`;
    $("lessons").innerHTML = data.lessons.slice(0, 8).map((l) => `
      <li><b>${esc(l.name)}</b> · ${esc(l.customer)}: ${esc(l.lesson)}</li>`).join("");
  }

  /* --- a feedback link for a meeting of one of the team's sellers (common.js) --- */
  let linkDays = 14;
  H.feedbackLinks((data) => Number(data.get("seller_id")), () => linkDays);

  /* --- a player's profile: strengths, what customers said, what to work on --- */
  async function loadProfile() {
    const id = Number($("profile-of").value);
    if (id) $("profile").innerHTML = H.profileHtml(await api(`/api/members/${id}/profile?season=current`));
  }
  $("profile-of").addEventListener("change", () => loadProfile().catch((error) => console.error(error)));

  /* --- who to ask: a seller's weakest loss question beside the teammate strongest on it --- */
  async function loadWhoToAsk() {
    const rows = await api(`/api/teams/${teamId}/who-to-ask`);
    $("whom-card").hidden = rows.length === 0;
    $("who-to-ask").innerHTML = rows.map((r) => `<li data-member="${Number(r.member_id)}">
      <span class="customer"><b>${esc(r.name)}</b> · ${r.question}. ${esc(config.questions[r.question - 1] || r.question_text)}</span>
      <span class="age">${r.ask ? `<span class="tag trend-up">${esc(fill(t.ask_name, { name: r.ask.name }))}</span>`
        : esc(t.nobody_strong)}</span></li>`).join("");
  }

  /* --- what customers said: per seller the average rating and its trend, and the newest
   * comments, good and bad --- */
  const stars = (n) => (n === null ? "–" : `★ ${fmt(n)}`);
  async function loadSaid() {
    const [summary, newest] = await Promise.all([api(`/api/teams/${teamId}/feedback-summary`),
      api(`/api/feedback?team_id=${teamId}&limit=5`)]);
    $("said-card").hidden = summary.length === 0;
    $("said").innerHTML = summary.map((s) => {
      const trend = s.trend ? `<span class="tag trend-${s.trend}">${esc(t[`trend_${s.trend}`])}</span> ` : "";
      return `<li data-seller="${Number(s.seller_id)}">
        <span class="customer"><b>${esc(s.seller_name)}</b> · ${stars(s.average)} · ${esc(H.count("ratings_n", s.count))}</span>
        <span class="age">${trend}${esc(fill(t.trend_line, { recent: stars(s.last_30_days.average),
          before: stars(s["30_days_before"].average) }))}</span></li>`;
    }).join("");
    $("said-comments").innerHTML = newest.filter((f) => f.comment).map((f) => `
      <li><b>${esc(f.seller_name || "")}</b> · ${esc(f.customer)} · ${"★".repeat(f.rating)}: ${esc(f.comment)}</li>`).join("");
  }

  /* --- loss reviews the team still owes, oldest worry first: the overdue ones on top --- */
  const waiting = (days) => (days ? H.count("waiting_days", days) : t.waiting_today);
  async function loadReviews() {
    const owed = await api(`/api/teams/${teamId}/pending-reviews`);
    owed.sort((a, b) => b.overdue - a.overdue || b.waiting_days - a.waiting_days);
    const late = owed.filter((r) => r.overdue).length;
    $("reviews-overdue").textContent = late ? `· ${late} ${t.overdue.toLowerCase()}` : "";
    $("reviews-waiting").innerHTML = owed.map((r) => `
      <li class="${r.overdue ? "overdue" : ""}" data-review="${Number(r.deal_id)}">
        <span class="customer"><b>${esc(r.customer)}</b> · ${esc(r.seller_name)} · ${fmt(r.amount)}</span>
        <span class="age">${r.overdue ? `<span class="tag late">${esc(t.overdue)}</span> ` : ""}${esc(waiting(r.waiting_days))}</span>
      </li>`).join("") || `<li class="empty">${esc(t.no_reviews_waiting)}</li>`;
  }

  /* --- recent deals: each as it stands now, reversed or corrected ---------------------------
   * The feed's deal entries, newest deal first: a corrected deal shows its latest values
   * (the re-scoring entry), a deal a plain reversal took back is marked and offers nothing. */
  const DEALS_MAX = 10;
  const DEAL_KINDS = ["deal.won", "deal.lost", "deal.reversed"];
  let deals = [];
  let dealsStale = false;    // updates came while a form was open: reload when it closes
  const formOpen = () => Boolean($("deals").querySelector("form"));

  async function loadDeals() {
    if (formOpen()) { dealsStale = true; return; }   // never rebuild the list under the user's hands
    const scope = teamId ? `&team_id=${teamId}` : "";
    const pages = await Promise.all(DEAL_KINDS.map((kind) => api(`/api/feed?kind=${kind}&limit=100${scope}`)));
    if (formOpen()) { dealsStale = true; return; }
    dealsStale = false;
    const byDeal = new Map();
    pages.flatMap((page) => page.entries).sort((a, b) => a.seq - b.seq).forEach((e) => {
      const id = (e.data || {}).deal_id;
      if (!id || (teamId && e.team_id !== teamId)) return;   // e.g. another team's deal we assisted
      if (e.kind !== "deal.reversed") {
        const before = byDeal.get(id);
        byDeal.set(id, { id, entry: e, reversal: null,
          corrected: e.data.rescores != null || Boolean(before && before.corrected) });
      } else if (!e.data.correction && byDeal.has(id)) {
        byDeal.get(id).reversal = e;
      }
    });
    deals = [...byDeal.values()].sort((a, b) => b.id - a.id).slice(0, DEALS_MAX);
    renderDeals();
  }

  function renderDeals() {
    $("deals").innerHTML = deals.map((deal) => {
      const e = deal.entry;
      const won = e.kind === "deal.won";
      const dealTeam = teams.get(e.team_id);
      const marks = [`<span class="mark ${won ? "won" : "lost"}">${esc(won ? t.won : t.lost)}</span>`];
      if (deal.reversal) marks.push(`<span class="mark reversed">${esc(t.reversed_mark)}</span>`);
      else if (deal.corrected) marks.push(`<span class="mark">${esc(t.corrected_mark)}</span>`);
      const facts = [esc(e.member_name), esc(fmt(e.data.amount)), esc(H.when(e.occurred_at))];
      if (!teamId && dealTeam) {
        facts.unshift(`<i class="dot" style="--team:${H.color(dealTeam.color)}"></i>${esc(H.teamLabel(dealTeam))}`);
      }
      const actions = deal.reversal ? "" : `<div class="deal-actions">
        <button type="button" class="small" data-act="reverse" aria-expanded="false">${esc(t.reverse)}</button>
        <button type="button" class="small" data-act="correct" aria-expanded="false">${esc(t.correct)}</button></div>`;
      return `<li class="deal${deal.reversal ? " reversed" : ""}" data-deal="${deal.id}">
        <i class="k ${deal.reversal ? "k-deal-reversed" : H.kindClass(e)}"></i>
        <div class="deal-what"><b class="customer">${esc(e.data.customer)}</b> ${marks.join(" ")}
          <small>${facts.join(" · ")}</small>
          ${deal.reversal ? `<span class="reason">${esc(deal.reversal.data.reason)}</span>` : ""}</div>${actions}</li>`;
    }).join("") || `<li class="empty">${t.none_yet}</li>`;
  }

  /* Dates as <input type=date> writes them, in the browser's time zone. */
  const localDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  /* A new closing day keeps the deal's time of day (never later than now). */
  function onDay(iso, day) {
    const [y, m, d] = day.split("-").map(Number);
    const at = new Date(iso);
    at.setFullYear(y, m - 1, d);
    return (at > new Date() ? new Date() : at).toISOString();
  }
  /* Who may be named the seller: the deal's team (the seller of record always among them). */
  function sellersFor(e) {
    const list = (teamId ? team : everyone.filter((m) => m.team_id === e.team_id)).slice();
    if (!list.some((m) => m.id === e.member_id)) list.unshift({ id: e.member_id, name: e.member_name });
    return list;
  }
  const buttons = (submit) => `<div class="form-buttons"><button type="submit">${esc(submit)}</button>
    <button type="button" class="cancel" data-act="cancel">${esc(t.cancel)}</button></div>
    <p class="result" role="status"></p>`;
  function reverseForm() {
    return `<form class="form deal-form" data-form="reverse">
      <label>${esc(t.reason_required)} <input name="reason" required maxlength="500" autocomplete="off"></label>
      ${buttons(t.reverse_deal)}</form>`;
  }
  function correctForm(deal) {
    const e = deal.entry;
    const won = e.kind === "deal.won";
    const option = (value, label, selected) => `<option value="${esc(value)}"${selected ? " selected" : ""}>${esc(label)}</option>`;
    return `<form class="form deal-form" data-form="correct">
      <div class="form-row">
        <label>${esc(t.amount)} <input name="amount" type="number" min="0" step="any" required value="${esc(e.data.amount)}"></label>
        <label>${esc(t.seller)} <select name="seller_id">${sellersFor(e).map((m) => option(m.id, m.name, m.id === e.member_id)).join("")}</select></label>
      </div>
      <div class="form-row">
        <label>${esc(t.outcome)} <select name="outcome">${option("won", t.won, won)}${option("lost", t.lost, !won)}</select></label>
        <label>${esc(t.closed_on)} <input name="closed_on" type="date" required max="${localDay(new Date())}"
          value="${localDay(new Date(e.occurred_at))}"></label>
      </div>
      <label>${esc(t.reason_optional)} <input name="reason" maxlength="500" autocomplete="off"></label>
      ${buttons(t.save_correction)}</form>`;
  }
  /* What the correction form changes: only those fields are sent; null when nothing is. */
  function changes(deal, data) {
    const e = deal.entry;
    const body = {};
    const amount = Number(data.get("amount"));
    if (amount !== Number(e.data.amount)) body.amount = amount;
    const seller = Number(data.get("seller_id"));
    if (seller !== e.member_id) body.seller_id = seller;
    const outcome = data.get("outcome");
    if (outcome !== (e.kind === "deal.won" ? "won" : "lost")) body.outcome = outcome;
    const day = data.get("closed_on");
    if (day && day !== localDay(new Date(e.occurred_at))) body.closed_at = onDay(e.occurred_at, day);
    return Object.keys(body).length ? body : null;
  }

  function closeForms() {
    $("deals").querySelectorAll("form").forEach((form) => form.remove());
    $("deals").querySelectorAll("[aria-expanded=true]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    if (dealsStale) loadDeals().catch((error) => console.error(error));
  }
  function openForm(row, deal, act) {
    const already = row.querySelector(`form[data-form=${act}]`);
    $("deals").querySelectorAll("form").forEach((form) => form.remove());
    $("deals").querySelectorAll("[aria-expanded=true]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    if (already) { closeForms(); return; }   // its button again: closed
    say("deals-result", "", true);
    row.insertAdjacentHTML("beforeend", act === "reverse" ? reverseForm() : correctForm(deal));
    row.querySelector(`[data-act=${act}]`).setAttribute("aria-expanded", "true");
    row.querySelector("form input").focus();
  }
  const dealOf = (el) => {
    const row = el.closest("li[data-deal]");
    return row && deals.find((deal) => deal.id === Number(row.dataset.deal));
  };
  $("deals").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    const deal = button && dealOf(button);
    if (!deal) return;
    if (button.dataset.act === "cancel") closeForms();
    else openForm(button.closest("li"), deal, button.dataset.act);
  });
  $("deals").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest("form")) closeForms();
  });
  $("deals").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const deal = dealOf(form);
    const data = new FormData(form);
    const result = form.querySelector(".result");
    const tell = (text) => { result.textContent = text; result.className = "result error"; };
    const customer = deal.entry.data.customer;
    const done = (text) => {
      closeForms();
      say("deals-result", text, true);
      loadDeals().catch((error) => console.error(error));
    };
    submitting(form, async () => {
      try {
        const reason = data.get("reason").trim();
        if (form.dataset.form === "reverse") {
          await api(`/api/deals/${deal.id}/reverse`, { method: "POST", body: { reason } });
          done(fill(t.deal_reversed, { customer }));
          return;
        }
        const body = changes(deal, data);
        if (!body) { tell(t.nothing_changed); return; }
        if (reason) body.reason = reason;
        const answer = await api(`/api/deals/${deal.id}`, { method: "PATCH", body });
        done(answer.reversal ? fill(t.deal_corrected, { customer }) : t.nothing_changed);
      } catch (error) { tell(error.message); }
    });
  });

  /* --- seasons (admin): rename or move one, end the running one today, remove one that
   * holds nothing, add one. The server says why a change cannot be made. --- */
  let seasonRows = [];
  const seasonForm = (s) => `
    <li data-season="${s ? s.id : "new"}">
      <form class="form season-form${s && s.current ? " current" : ""}">
        <label>${esc(t.season_name)} <input name="name" required maxlength="200" value="${s ? esc(s.name) : ""}"></label>
        <label>${esc(t.starts_on)} <input name="starts_on" type="date" required value="${s ? s.starts_on : ""}"></label>
        <label>${esc(t.ends_on)} <input name="ends_on" type="date" required value="${s ? s.ends_on : ""}"></label>
        <div class="actions">${s && s.current ? `<span class="tag">${esc(t.current_mark)}</span>` : ""}
          <button type="submit">${esc(s ? t.save : t.add_season)}</button>
          ${s && s.current ? `<button type="button" class="small" data-act="close">${esc(t.close_today)}</button>` : ""}
          ${s ? `<button type="button" class="small" data-act="remove">${esc(t.remove)}</button>` : ""}</div>
        <p class="result" role="status"></p>
      </form>
    </li>`;
  async function loadSeasons() {
    seasonRows = await api("/api/seasons");
    $("seasons").innerHTML = seasonRows.map(seasonForm).join("") + seasonForm(null);
  }
  const seasonOf = (el) => seasonRows.find((s) => String(s.id) === el.closest("li").dataset.season);
  function seasonDone(text) {
    say("seasons-result", text, true);
    loadSeasons().catch((error) => console.error(error));
  }
  async function seasonCall(form, call) {
    const result = form.querySelector(".result");
    try { await call(); } catch (error) { result.textContent = error.message; result.className = "result error"; }
  }
  $("seasons").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const season = seasonOf(form);
    const body = { name: data.get("name").trim(), starts_on: data.get("starts_on"), ends_on: data.get("ends_on") };
    submitting(form, () => seasonCall(form, async () => {
      if (season) await api(`/api/seasons/${season.id}`, { method: "PATCH", body });
      else await api("/api/seasons", { method: "POST", body });
      seasonDone(fill(t.season_saved, { name: body.name }));
    }));
  });
  $("seasons").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button) return;
    const form = button.closest("form");
    const season = seasonOf(button);
    submitting(form, () => seasonCall(form, async () => {
      if (button.dataset.act === "close") {
        await api(`/api/seasons/${season.id}/close`, { method: "POST", body: {} });
        seasonDone(fill(t.season_closed, { name: season.name }));
      } else {
        await api(`/api/seasons/${season.id}`, { method: "DELETE" });
        seasonDone(fill(t.season_removed, { name: season.name }));
      }
    }));
  });

  /* --- CRM connections (admin): a health line per connector, the rejected deliveries to
   * read and replay once their cause is fixed, and each member's owner id in each CRM.
   * A delivery's reason is the server's, as it was recorded. --- */
  const CRMS = ["hubspot", "pipedrive", "salesforce"];
  let crmNames = {};       // connector → its name, from the health lines
  let rejected = [];       // the rejected deliveries shown, newest first
  let owners = [];         // every member with their owner ids
  let ownerTeams = new Map();
  const crmName = (crm) => crmNames[crm] || crm;

  async function loadCrmHealth() {
    const lines = await api("/api/connectors");
    crmNames = Object.fromEntries(lines.map((c) => [c.connector, c.name]));
    $("crm-health").innerHTML = lines.map((c) => {
      const last = c.last_delivery_at
        ? `<span title="${esc(H.when(c.last_delivery_at))}">${esc(fill(t.crm_last, { when: H.ago(Date.parse(c.last_delivery_at)) }))}</span>`
        : esc(t.crm_never);
      const token = c.connector === "salesforce" ? ` <small class="muted">${esc(t.crm_token_hint)}</small>` : "";
      return `<li data-connector="${esc(c.connector)}" class="${c.configured ? "on" : "off"}">
        <span class="crm-name"><b>${esc(c.name)}</b>
          <span class="mark ${c.configured ? "on" : "off"}">${esc(c.configured ? t.crm_on : t.crm_off)}</span></span>
        <span class="crm-url"><small class="muted">${esc(t.crm_paste)}</small>
          <code>${esc(window.location.origin + c.url)}</code>${token}</span>
        <span class="crm-facts">${last} · ${esc(H.count("crm_received_24h", c.received_24h))} ·
          <span class="crm-rejected-n${c.rejected_24h ? " bad" : ""}">${esc(H.count("crm_rejected_24h", c.rejected_24h))}</span></span>
      </li>`;
    }).join("");
  }

  /* The CRM's own text, indented when it is JSON (XML is shown as it came). */
  function readable(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (error) { return text; }
  }
  const rejectedRow = (d) => `<li data-delivery="${Number(d.id)}">
      <div class="deal-what"><b>${esc(crmName(d.connector))}</b>
        <small>${esc(H.when(d.received_at))}${d.external_id ? ` · ${esc(d.external_id)}` : ""}</small>
        <span class="reason">${esc(d.reason)}</span></div>
      <div class="deal-actions">
        <button type="button" class="small" data-act="show" aria-expanded="false">${esc(t.crm_show)}</button>
        <button type="button" class="small" data-act="replay">${esc(t.crm_replay)}</button></div>
      <p class="result" role="status"></p>
      <pre class="crm-text" hidden>${esc(readable(d.text))}</pre>
    </li>`;
  function renderRejected() {
    $("crm-rejected").innerHTML = rejected.map(rejectedRow).join("")
      || `<li class="empty">${esc(t.crm_none_rejected)}</li>`;
  }
  async function loadRejected() {
    rejected = await api("/api/connectors/deliveries?state=rejected&limit=50");
    renderRejected();
  }

  async function loadOwners() {
    const [members, teamRows] = await Promise.all([api("/api/members"), api("/api/teams")]);
    ownerTeams = new Map(teamRows.map((row) => [row.id, row]));
    owners = members.sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
    $("crm-owners").innerHTML = owners.map((m) => {
      const team = ownerTeams.get(m.team_id);
      const ids = m.external_ids || {};
      return `<li data-member="${Number(m.id)}"><form class="form owner-form">
        <span class="who"><b>${esc(m.name)}</b>${m.active ? "" : ` <span class="mark">${esc(t.member_left)}</span>`}
          <small>${team ? `<i class="dot" style="--team:${H.color(team.color)}"></i>${esc(H.teamLabel(team))}` : ""}</small></span>
        ${CRMS.map((crm) => `<label><span class="crm-label">${esc(crmName(crm))}</span> <input name="${crm}"
          value="${esc(ids[crm] || "")}" placeholder="${esc(crmName(crm))}" maxlength="100" autocomplete="off"
          spellcheck="false"></label>`).join("")}
        <button type="submit">${esc(t.save)}</button>
        <p class="result" role="status"></p></form></li>`;
    }).join("");
  }

  async function loadCrm() {
    await loadCrmHealth();   // the connectors' names first: the other two show them
    await Promise.all([loadRejected(), loadOwners()]);
  }

  /* Replay: on success the row goes and the health line is read again; still refused,
   * the row stays with the reason the server recorded this time. */
  async function replayDelivery(row, button) {
    const id = Number(row.dataset.delivery);
    const result = row.querySelector(".result");
    say("crm-result", "", true);
    result.textContent = "";
    button.disabled = true;
    try {
      const done = await api(`/api/connectors/deliveries/${id}/replay`, { method: "POST",
        problems: { 409: t.crm_still_rejected } });
      rejected = rejected.filter((d) => d.id !== id);
      row.remove();
      if (!rejected.length) renderRejected();
      say("crm-result", fill(done.state === "replayed" ? t.crm_replayed : t.crm_replayed_ignored, { id }), true);
      loadCrmHealth().catch((error) => console.error(error));
    } catch (error) {
      result.textContent = error.message;
      result.className = "result error";
      if (error.status === 409 || error.status === 404) await rereadReason(row, id);
    } finally {
      button.disabled = false;
    }
  }
  async function rereadReason(row, id) {
    const fresh = await api("/api/connectors/deliveries?state=rejected&limit=50");
    const now = fresh.find((d) => d.id === id);
    if (!now) {   // no longer rejected (replayed elsewhere): the list as it is now
      rejected = fresh;
      renderRejected();
      loadCrmHealth().catch((error) => console.error(error));
      return;
    }
    rejected = rejected.map((d) => (d.id === id ? now : d));
    row.querySelector(".reason").textContent = now.reason || "";
  }
  $("crm-rejected").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    const row = button && button.closest("li[data-delivery]");
    if (!row) return;
    if (button.dataset.act === "show") {
      const open = button.getAttribute("aria-expanded") !== "true";
      row.querySelector(".crm-text").hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? t.crm_hide : t.crm_show;
    } else {
      replayDelivery(row, button).catch((error) => console.error(error));
    }
  });

  /* Save a member's owner ids: only the CRMs whose id changed are sent (empty removes). */
  $("crm-owners").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const member = owners.find((m) => String(m.id) === form.closest("li").dataset.member);
    const data = new FormData(form);
    const result = form.querySelector(".result");
    const tell = (text, ok) => { result.textContent = text; result.className = `result ${ok ? "ok" : "error"}`; };
    const ids = member.external_ids || {};
    const changed = {};
    CRMS.forEach((crm) => {
      const id = String(data.get(crm) || "").trim();
      if (id !== (ids[crm] || "")) changed[crm] = id;
    });
    if (!Object.keys(changed).length) { tell(t.crm_nothing_changed, false); return; }
    // who holds one of the new ids, as far as this page knows: the refusal in the page's
    // language (an English page shows the server's own words)
    let taken;
    Object.entries(changed).some(([crm, id]) => {
      const other = id && owners.find((m) => m.id !== member.id && (m.external_ids || {})[crm] === id);
      if (other) taken = fill(t.crm_id_taken, { crm: crmName(crm), id, name: other.name });
      return Boolean(other);
    });
    submitting(form, async () => {
      try {
        const answer = await api(`/api/members/${member.id}`, { method: "PATCH",
          body: { external_ids: changed }, problems: taken ? { 409: taken } : {} });
        member.external_ids = answer.external_ids || {};
        CRMS.forEach((crm) => { form.elements[crm].value = member.external_ids[crm] || ""; });
        tell(t.saved, true);
      } catch (error) { tell(error.message, false); }
    });
  });
  $("crm-owners").addEventListener("input", (event) => {   // an edit makes "saved" old news
    const result = event.target.closest("form").querySelector(".result.ok");
    if (result) result.textContent = "";
  });

  /* --- rewards: the team's redemptions to decide (an admin's: every team's, or the team's
   * picked), the recent decisions, and for admins the shop itself and the team's monthly
   * budget. A refusal stays in its redemption's row, wherever the reload puts it. --- */
  const DECIDED_MAX = 8;
  let redemptions = [];
  let shopRewards = [];
  let shopStale = false;               // changes came while a reward's fields were being edited
  const redemptionSaid = new Map();    // redemption id → { text, ok }
  const decisionNotes = new Map();     // redemption id → the note being written
  const rewardRowSaid = new Map();     // reward id → { text, ok }
  let redemptionsAsked = 0;
  const stateMark = (state) => `<span class="mark state-${esc(state)}">${esc(t[`state_${state}`] || state)}</span>`;
  const saidHtml = (said) => `<p class="result${said ? (said.ok ? " ok" : " error") : ""}" role="status">${said ? esc(said.text) : ""}</p>`;
  const ACTS = { pending: ["approve", "decline"], approved: ["fulfil", "decline"] };
  const actLabel = (act) => ({ approve: t.approve, decline: t.decline, fulfil: t.fulfil }[act]);

  async function loadRedemptions() {
    const asked = ++redemptionsAsked;
    const rows = await api("/api/redemptions");
    if (asked !== redemptionsAsked) return;   // a later reload shows the newer state
    redemptions = teamId ? rows.filter((r) => r.team_id === teamId) : rows;
    renderRedemptions();
  }
  function redemptionRow(r) {
    const facts = [esc(r.member_name || ""), esc(H.count("coins_n", r.cost)), esc(H.when(r.decided_at || r.requested_at))];
    const rowTeam = !teamId && teams.get(r.team_id);
    if (rowTeam) facts.unshift(`<i class="dot" style="--team:${H.color(rowTeam.color)}"></i>${esc(H.teamLabel(rowTeam))}`);
    const own = me.role !== "admin" && r.member_id === me.member_id;   // a manager's own: an admin's to decide
    const acts = own ? [] : ACTS[r.state] || [];
    const id = Number(r.id);
    const decide = acts.length ? `<div class="decide">
        <label>${esc(t.decision_note)} <input name="note" maxlength="500" autocomplete="off"></label>
        <div class="decide-buttons">${acts.map((act) => `<button type="button" class="small" data-act="${act}">${esc(actLabel(act))}</button>`).join("")}</div>
      </div>` : "";
    return `<li data-redemption="${id}" class="${esc(r.state)}">
      <div class="redemption-what"><b>${esc(r.reward_name || "")}</b> ${stateMark(r.state)}
        <small>${facts.join(" · ")}</small>
        ${r.note ? `<span class="reason">${esc(fill(t.note_line, { note: r.note }))}</span>` : ""}
        ${r.decision_note ? `<span class="reason">${esc(fill(t.note_reply, { note: r.decision_note }))}</span>` : ""}
        ${own && ACTS[r.state] ? `<small>${esc(t.own_redemption)}</small>` : ""}</div>
      ${decide}${saidHtml(redemptionSaid.get(r.id))}</li>`;
  }
  function renderRedemptions() {
    const active = document.activeElement;
    const focused = active && active.name === "note" && active.closest("#redemptions-open li[data-redemption]");
    const focusId = focused ? focused.dataset.redemption : null;
    const waiting = (state) => redemptions.filter((r) => r.state === state).sort((a, b) => a.id - b.id);
    // the pending ones first, the one waiting longest on top; then the approved to hand over
    const open = [...waiting("pending"), ...waiting("approved")];
    const done = redemptions.filter((r) => r.state === "declined" || r.state === "fulfilled")
      .sort((a, b) => (b.decided_at || "").localeCompare(a.decided_at || "") || b.id - a.id).slice(0, DECIDED_MAX);
    $("redemptions-open").innerHTML = open.map(redemptionRow).join("")
      || `<li class="empty">${esc(t.nothing_to_decide)}</li>`;
    $("redemptions-done").innerHTML = done.map(redemptionRow).join("") || `<li class="empty">${esc(t.none_yet)}</li>`;
    $("redemptions-open").querySelectorAll("li[data-redemption]").forEach((li) => {   // never lose a note
      const input = li.querySelector("[name=note]");
      if (!input) return;
      input.value = decisionNotes.get(Number(li.dataset.redemption)) || "";
      if (li.dataset.redemption === focusId) input.focus();
    });
  }
  $("redemptions-open").addEventListener("input", (event) => {
    const row = event.target.closest("li[data-redemption]");
    if (row && event.target.name === "note") decisionNotes.set(Number(row.dataset.redemption), event.target.value);
  });
  $("redemptions-open").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    const row = button && button.closest("li[data-redemption]");
    if (row) decide(row, button.dataset.act).catch((error) => console.error(error));
  });
  async function decide(row, act) {
    const id = Number(row.dataset.redemption);
    const buttons = [...row.querySelectorAll("button")];
    buttons.forEach((b) => { b.disabled = true; });
    redemptionSaid.delete(id);
    const note = (decisionNotes.get(id) || "").trim();
    try {
      const done = await api(`/api/redemptions/${id}/${act}`, { method: "POST", body: note ? { note } : {},
        problems: { 409: t.redemption_conflict } });
      decisionNotes.delete(id);
      say("rewards-result", fill(t.redemption_decided, { reward: done.reward_name || "", who: done.member_name || "",
        state: (t[`state_${done.state}`] || done.state).toLowerCase() }), true);
    } catch (error) {
      redemptionSaid.set(id, { text: error.message, ok: false });
      say("rewards-result", "", true);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
    await loadRedemptions();
  }

  /* The shop (admin): every reward, those off the shop too, with its cost and stock to
   * change and a button to take it off or put it back; a form to add one. */
  const shopEditing = () => [...$("shop-rewards").querySelectorAll("input")]
    .some((input) => input === document.activeElement || input.value !== input.defaultValue);
  async function loadShopAdmin(force = false) {
    if (!force && shopEditing()) { shopStale = true; return; }   // never under the admin's hands
    const rows = await api("/api/rewards?all=true");
    if (!force && shopEditing()) { shopStale = true; return; }
    shopStale = false;
    shopRewards = rows;
    $("shop-rewards").innerHTML = shopRewards.map((r) => {
      const id = Number(r.id);
      const facts = [r.per_member_limit !== null ? fill(t.per_person, { n: fmt(r.per_member_limit) }) : "", r.description || ""]
        .filter(Boolean).join(" · ");
      return `<li data-reward="${id}" class="${r.active ? "" : "off"}"><form class="form shop-reward">
        <span class="what"><b>${esc(r.name)}</b>${r.active ? "" : ` <span class="mark">${esc(t.off_shop)}</span>`}
          ${facts ? `<small>${esc(facts)}</small>` : ""}</span>
        <label>${esc(t.cost_coins)} <input name="cost" type="number" min="0.01" max="1000000" step="any"
          inputmode="decimal" required value="${esc(r.cost)}"></label>
        <label>${esc(t.stock)} <input name="stock" type="number" min="0" max="1000000" step="1" inputmode="numeric"
          value="${r.stock === null ? "" : esc(r.stock)}" placeholder="${esc(t.no_limit)}"></label>
        <div class="actions"><button type="submit">${esc(t.save)}</button>
          <button type="button" class="small" data-act="${r.active ? "off" : "on"}">${esc(r.active ? t.take_off : t.put_back)}</button></div>
        ${saidHtml(rewardRowSaid.get(r.id))}</form></li>`;
    }).join("") || `<li class="empty">${esc(t.shop_empty)}</li>`;
  }
  const loadRewards = () => Promise.all([loadRedemptions(), me.role === "admin" ? loadShopAdmin() : null]);
  $("shop-rewards").addEventListener("focusout", () => {   // left the fields: changes waiting come in
    setTimeout(() => { if (shopStale && !shopEditing()) loadShopAdmin().catch((error) => console.error(error)); }, 0);
  });
  async function changeReward(form, body) {
    const reward = shopRewards.find((r) => String(r.id) === form.closest("li").dataset.reward);
    rewardRowSaid.delete(reward.id);
    try {
      await api(`/api/rewards/${reward.id}`, { method: "PATCH", body });
      rewardRowSaid.set(reward.id, { text: fill(t.reward_saved, { name: reward.name }), ok: true });
    } catch (error) {
      rewardRowSaid.set(reward.id, { text: error.message, ok: false });
    }
    await loadShopAdmin(true);
  }
  $("shop-rewards").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const reward = shopRewards.find((r) => String(r.id) === form.closest("li").dataset.reward);
    const data = new FormData(form);
    const body = {};
    const cost = Number(data.get("cost"));
    if (cost !== reward.cost) body.cost = cost;
    const stock = String(data.get("stock")).trim();   // emptied: no limit from now on
    const wanted = stock === "" ? null : Number(stock);
    if (wanted !== reward.stock) body.stock = wanted;
    if (!Object.keys(body).length) {
      const result = form.querySelector(".result");
      result.textContent = t.reward_nothing_changed;
      result.className = "result error";
      return;
    }
    submitting(form, () => changeReward(form, body));
  });
  $("shop-rewards").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button) return;
    const form = button.closest("form");
    button.disabled = true;
    changeReward(form, { active: button.dataset.act === "on" }).catch((error) => console.error(error))
      .finally(() => { button.disabled = false; });
  });
  $("reward-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const count = (name) => (String(data.get(name)).trim() === "" ? null : Number(data.get(name)));
    const body = { name: data.get("name").trim(), cost: Number(data.get("cost")), stock: count("stock"),
      per_member_limit: count("per_member_limit"), description: data.get("description").trim() || null };
    submitting(form, async () => {
      try {
        await api("/api/rewards", { method: "POST", body, problems: { 409: t.reward_exists } });
        say("reward-result", fill(t.reward_saved, { name: body.name }), true);
        form.reset();
        await loadShopAdmin(true);
      } catch (error) { say("reward-result", error.message, false); }
    });
  });
  /* The team's monthly budget (admin, a team's view): empty is no budget. */
  $("reward-budget-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const value = String(new FormData(form).get("monthly")).trim();
    submitting(form, async () => {
      try {
        const saved = await api(`/api/teams/${teamId}/reward-budget`, { method: "PUT",
          body: { monthly: value === "" ? null : Number(value) } });
        form.elements.monthly.value = saved.monthly === null ? "" : saved.monthly;
        say("reward-budget-result", t.reward_budget_saved, true);
      } catch (error) { say("reward-budget-result", error.message, false); }
    });
  });

  $("mentoring-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    submitting(form, async () => {
      try {
        const result = await api("/api/mentoring", { method: "POST", body: {
          member_id: Number(data.get("member_id")), points: Number(data.get("points")),
          note: data.get("note").trim() } });
        say("mentoring-result", fill(t.mentoring_saved, { left: fmt(result.budget_left) }), true);
        form.querySelector("[name=note]").value = "";
        loadBudget();
        loadTable();
      } catch (error) { say("mentoring-result", error.message, false); }
    });
  });

  $("goal-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const memberTargets = team.map((m) => ({ member_id: m.id, target: Number(data.get(`target-${m.id}`)) }))
      .filter((m) => m.target > 0);
    submitting(form, async () => {
      try {
        await api("/api/goals", { method: "POST", body: {
          team_id: teamId, season_id: Number(data.get("season_id")), metric: data.get("metric"),
          target: Number(data.get("target")), member_targets: memberTargets }, problems: { 409: t.goal_exists } });
        say("goal-result", t.saved, true);
        loadGoals();
      } catch (error) { say("goal-result", error.message, false); }
    });
  });

  async function start() {
    me = await api("/api/me");
    pageMessage("");
    const asked = Number(new URL(window.location.href).searchParams.get("team_id")) || null;
    teamId = me.role === "admin" ? asked : me.team_id;
    if (me.role === "admin" && !teamId) { await startAllTeams(); return; }
    if (!teamId || !["manager", "admin"].includes(me.role)) {
      const role = config.roles[me.role] || me.role;
      $("who").textContent = me.name || role;
      pageMessage(me.role === "admin" ? t.pick_team : fill(t.manager_only, { role }));
      $("app").hidden = true;
      return;
    }
    const [members, teamRow, seasons, rules, teamRows] = await Promise.all([api(`/api/members?team_id=${teamId}`),
      api(`/api/teams/${teamId}`), api("/api/seasons"), api("/api/policy"),
      me.role === "admin" ? api("/api/teams") : null]);   // an admin's pick of the team in view
    team = members.sort((a, b) => a.name.localeCompare(b.name));
    document.body.style.setProperty("--team", H.color(teamRow.color));
    if (teamRows) {
      teamPicker(teamRows, teamId);
    } else {
      $("who").innerHTML = `${esc(me.name || config.roles[me.role] || me.role)} · <i class="dot"></i>${esc(H.teamLabel(teamRow))}`;
      $("who").title = $("who").textContent;
    }
    $("profile-of").innerHTML = team.map((m) => `<option value="${m.id}">${esc(m.name)}</option>`).join("");
    linkDays = rules.feedback_link_days;
    $("ask-seller").innerHTML = team.filter((m) => m.role === "seller")
      .map((m) => `<option value="${m.id}">${esc(m.name)}</option>`).join("");
    $("mentee").innerHTML = team.filter((m) => m.id !== me.member_id)
      .map((m) => `<option value="${m.id}">${esc(m.name)}</option>`).join("");
    $("mentoring-points").max = rules.mentoring_max_points;
    $("member-targets").innerHTML = team.map((m) => `
      <label>${esc(m.name)} <input type="number" min="0" step="any" name="target-${m.id}"></label>`).join("");
    $("goal-season").innerHTML = seasons.filter((s) => s.current || s.ends_on >= new Date().toISOString().slice(0, 10))
      .map((s) => `<option value="${s.id}" ${s.current ? "selected" : ""}>${esc(s.name)}</option>`).join("");
    $("seasons-card").hidden = me.role !== "admin";
    $("crm-card").hidden = me.role !== "admin";
    $("shop-admin").hidden = me.role !== "admin";
    $("reward-budget-form").hidden = me.role !== "admin";
    $("reward-budget-form").elements.monthly.value = teamRow.reward_budget == null ? "" : teamRow.reward_budget;
    await Promise.all([loadTable(), loadRewards(), loadBudget(), loadGoals(), loadInsights(), loadDeals(), loadReviews(), loadSaid(), loadWhoToAsk(), loadProfile(),
      me.role === "admin" ? loadSeasons() : null, me.role === "admin" ? loadCrm() : null]);
    H.emit("start", { me, teamId, members: team });   // the team's contests (manage-contests.js)
    follow({ team_id: teamId }, (m, pending) => {
      pending.add("table");
      if (m.goals.length || m.entry.kind === "goal.set") pending.add("goals");
      if (m.entry.kind === "loss.reviewed" || m.entry.kind === "deal.reversed") pending.add("insights").add("ask");
      if (["deal.lost", "loss.reviewed", "deal.reversed"].includes(m.entry.kind)) pending.add("reviews");
      if (m.entry.kind === "feedback.received") pending.add("said");
      if (m.entry.kind === "mentoring" || m.entry.kind === "mentoring.revoked") pending.add("budget");
    });
  }

  /* An admin's pick of the team in view, at the top: the page again with ?team_id= (or
   * without it: every team). Archived teams are left out. */
  function teamPicker(rows, current) {
    const live = rows.filter((row) => !row.archived || row.id === current)
      .sort((a, b) => H.teamLabel(a).localeCompare(H.teamLabel(b)));
    const options = [`<option value="">${esc(t.every_team)}</option>`, ...live.map((row) =>
      `<option value="${row.id}"${row.id === current ? " selected" : ""}>${esc(H.teamLabel(row))}</option>`)];
    $("who").innerHTML = `${esc(me.name || config.roles[me.role] || me.role)} · <select id="team-pick"
      aria-label="${esc(t.team_in_view)}" title="${esc(t.team_in_view)}">${options.join("")}</select>`;
    $("who").title = "";
    $("team-pick").addEventListener("change", (event) => {
      const url = new URL(window.location.href);
      if (event.target.value) url.searchParams.set("team_id", event.target.value);
      else url.searchParams.delete("team_id");
      window.location.assign(url.pathname + url.search + url.hash);
    });
  }

  /* An admin without ?team_id=: how to pick a team, and every team's recent deals. */
  async function startAllTeams() {
    pageMessage(t.pick_team);
    [...$("app").children].forEach((card) => {
      card.hidden = !["deals-card", "contests-card", "rewards-card", "seasons-card", "crm-card"].includes(card.id);
    });
    $("deals-scope").textContent = `· ${t.all_teams}`;
    $("rewards-scope").textContent = `· ${t.all_teams}`;
    $("shop-admin").hidden = false;
    const [members, teamRows] = await Promise.all([api("/api/members"), api("/api/teams")]);
    everyone = members.sort((a, b) => a.name.localeCompare(b.name));
    teams = new Map(teamRows.map((row) => [row.id, row]));
    teamPicker(teamRows, null);
    await Promise.all([loadDeals(), loadRewards(), loadSeasons(), loadCrm()]);
    H.emit("start", { me, teamId: null, members: everyone });
    follow({}, () => {});
  }

  /* Follow the live board: a burst of updates costs one reload of each part it touched
   * (`touched` adds the parts an update moves; the deals follow every deal entry). */
  function follow(params, touched) {
    let timer = null;
    let pending = new Set();
    const loaders = { table: loadTable, goals: loadGoals, insights: loadInsights, budget: loadBudget, deals: loadDeals,
      reviews: loadReviews, said: loadSaid, ask: loadWhoToAsk, crm: loadCrmHealth, rewards: loadRewards };
    new H.Live(params, {
      snapshot(m) { H.emit("snapshot", m); },
      update(m) {
        H.emit("update", m);
        touched(m, pending);
        if (m.entry.kind.startsWith("deal.")) pending.add("deals");
        if (m.entry.kind.startsWith("redemption.") || m.entry.kind.startsWith("reward.")
          || m.entry.kind === "contest.settled") pending.add("rewards");   // a reward won is a redemption
        // a CRM's deal or activity moves its health line (its rejections come by no update)
        if (me.role === "admin" && (m.entry.kind.startsWith("deal.") || m.entry.kind.startsWith("activity"))) pending.add("crm");
        clearTimeout(timer);
        timer = setTimeout(() => {
          const parts = pending;
          pending = new Set();
          parts.forEach((part) => loaders[part]().catch((error) => console.error(error)));
        }, 300);
      },
    }).start();
  }
  /* Start, and if the server cannot be reached yet, try again shortly. */
  function boot() {
    start().catch((error) => {
      if (error.status === 401) return;
      pageMessage(error.message);
      if (error.status === 0) setTimeout(boot, 10000);
    });
  }
  if (H.token()) boot();
})();
