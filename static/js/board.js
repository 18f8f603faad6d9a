/* A seller's board: my rank and breakdown, my team live, and forms for deals and kudos. */
(function () {
  "use strict";
  const { t, api, fmt, esc, describe, when, Live, config } = window.Huddle;
  const $ = (id) => document.getElementById(id);
  const FEED_MAX = 15;
  let me = null;
  let members = [];
  const team = new Map();
  let feed = [];

  function say(id, text, ok) {
    const el = $(id);
    el.textContent = text;
    el.className = `result ${ok ? "ok" : "error"}`;
  }

  async function loadMine() {
    const mine = await api(`/api/leaderboards/members/${me.member_id}?around=0`);
    $("my-rank").textContent = `${mine.rank}`;
    $("my-rank").title = `${t.of} ${mine.of}`;
    $("my-score").textContent = fmt(mine.score);
    $("breakdown").innerHTML = config.categories.map((c) => `
      <li><span>${esc(config.category_names[c])}</span><b>${fmt(mine.breakdown[c] || 0)}</b></li>`).join("");
    const allowance = await api("/api/kudos/allowance");
    $("allowance").textContent = `${fmt(allowance.left)} / ${fmt(allowance.allowance)}`;
    const pending = await api(`/api/members/${me.member_id}/pending-reviews`);
    renderPending(pending);
  }

  let reloadTimer = null;
  function reloadMineSoon() {   // many updates in a burst → one reload
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => loadMine().catch(() => {}), 300);
  }

  function renderTeam() {
    const rows = [...team.values()].sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
    $("team-board").innerHTML = rows.map((r) => `
      <li class="${r.member_id === me.member_id ? "me" : ""}">
        <span class="rank">${r.rank}</span><span class="name">${esc(r.name)}</span>
        <span class="score">${fmt(r.score)}</span></li>`).join("");
  }

  function renderGoals(goals) {
    $("team-goals").innerHTML = goals.map((g) => {
      const mine = g.member_targets.find((m) => m.member_id === me.member_id);
      const line = (label, p) => `<div class="goal-line"><span>${esc(label)}: ${fmt(p.value)} / ${fmt(p.target)}</span>
        <div class="bar${p.reached_at ? " done" : ""}"><i style="width:${Math.min(100, p.percent)}%"></i></div></div>`;
      return `<article class="goal">${line(`${t.team_goal} (${g.metric === "revenue" ? t.revenue : t.deals})`, g.progress)}
        ${mine ? line(me.name, mine.progress) : ""}</article>`;
    }).join("");
  }

  function renderFeed() {
    $("feed").innerHTML = feed.map((e) => `<li><time>${when(e.recorded_at)}</time><span>${describe(e)}</span></li>`).join("")
      || `<li class="muted">${t.none_yet}</li>`;
  }

  function renderPending(pending) {
    $("pending-card").hidden = pending.length === 0;
    $("pending").innerHTML = pending.map((p) => `
      <li><details><summary>${esc(p.customer)} · ${fmt(p.amount)} · ${when(p.closed_at)} — ${t.review}</summary>
        <form class="form review" data-deal="${p.deal_id}">
          ${config.questions.map((q, i) => `<label class="question"><span>${i + 1}. ${esc(q)}</span>
            <select name="q${i}" required><option value="">–</option><option value="yes">${t.yes}</option>
            <option value="partly">${t.partly}</option><option value="no">${t.no}</option></select></label>`).join("")}
          <label>${t.lesson} <input name="lesson" maxlength="2000"></label>
          <button type="submit">${t.save}</button><p class="result" role="status"></p>
        </form></details></li>`).join("");
    document.querySelectorAll("form.review").forEach((form) => form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const answers = config.questions.map((_, i) => data.get(`q${i}`));
      try {
        await api(`/api/deals/${form.dataset.deal}/loss-review`, { method: "POST",
          body: { answers, lesson: data.get("lesson") || null } });
        reloadMineSoon();
      } catch (error) {
        form.querySelector(".result").textContent = error.message;
      }
    }));
  }

  function fillSelects() {
    const others = members.filter((m) => m.id !== me.member_id)
      .sort((a, b) => a.name.localeCompare(b.name));
    const options = others.map((m) => `<option value="${m.id}">${esc(m.name)}</option>`).join("");
    $("assists").innerHTML = options;
    $("kudos-to").innerHTML = options;
    $("strength").innerHTML = `<option value="">–</option>` +
      config.strengths.map((s) => `<option value="${s}">${esc(s)}</option>`).join("");
  }

  $("deal-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const assists = [...$("assists").selectedOptions].map((o) => Number(o.value));
    try {
      const result = await api("/api/deals", { method: "POST", body: {
        seller_id: me.member_id, outcome: form.get("outcome"), amount: Number(form.get("amount")),
        customer: form.get("customer"), assists } });
      const mine = result.awards.filter((a) => a.member_id === me.member_id)
        .reduce((s, a) => s + a.points, 0);
      say("deal-result", `${t.saved} · +${fmt(mine)} ${t.points}`, true);
      event.target.reset();
      reloadMineSoon();
    } catch (error) { say("deal-result", error.message, false); }
  });

  $("kudos-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const result = await api("/api/kudos", { method: "POST", body: {
        to_member_id: Number(form.get("to_member_id")), points: Number(form.get("points")),
        message: form.get("message"), strength: form.get("strength") || null } });
      say("kudos-result", `${t.saved} · ${t.allowance_left}: ${fmt(result.allowance_left)}`, true);
      event.target.reset();
      reloadMineSoon();
    } catch (error) { say("kudos-result", error.message, false); }
  });

  async function start() {
    me = await api("/api/me");
    if (!me.member_id) {
      $("who").textContent = `${me.role}: ${me.name || ""}`;
      return;
    }
    members = await api("/api/members");
    const teamRow = (await api(`/api/teams/${me.team_id}`));
    $("who").textContent = `${me.name} · ${teamRow.nickname || teamRow.name}`;
    fillSelects();
    await loadMine();
    new Live({ team_id: me.team_id }, {
      snapshot(m) {
        team.clear(); m.members.forEach((r) => team.set(r.member_id, r));
        feed = m.feed.slice(0, FEED_MAX);
        renderTeam(); renderGoals(m.goals); renderFeed();
      },
      update(m) {
        m.members.forEach((r) => team.set(r.member_id, r));
        feed = [m.entry, ...feed].slice(0, FEED_MAX);
        renderTeam(); renderFeed();
        if (m.goals.length) api(`/api/goals?team_id=${me.team_id}&season=current`).then(renderGoals);
        reloadMineSoon();
      },
    }).start();
  }
  if (window.Huddle.token()) start().catch((error) => console.error(error));
})();
