/* A seller's board: my season, my team live, and forms for deals, stories, kudos and loss
 * reviews. Every write goes through the REST API; a refusal is shown in the page's language
 * (Huddle.api). */
(function () {
  "use strict";
  const H = window.Huddle;
  const { t, api, fmt, esc, fill, config, say, submitting, pageMessage } = H;
  const $ = (id) => document.getElementById(id);
  const FEED_MAX = 12;
  const FEED_ACTIVITIES = 3;   // activity lines the feed keeps among its news (the newest)
  let me = null;
  let policy = { max_assists: 3, kudos_max_points: 5 };
  let members = [];
  let players = new Map();    // my team's board rows by member id
  let teams = new Map();      // every team's row by team id
  let goals = new Map();
  let feed = [];


  /* --- my season ---------------------------------------------------------------------- */
  async function loadMine() {
    const [mine, allowance, pending, untold] = await Promise.all([
      api(`/api/leaderboards/members/${me.member_id}?around=0`),
      api("/api/kudos/allowance"),
      api(`/api/members/${me.member_id}/pending-reviews`),
      api(`/api/members/${me.member_id}/untold-stories`)]);
    $("my-rank").textContent = mine.rank ? `#${mine.rank}` : "–";
    $("my-of").textContent = mine.of ? fill(t.of_n, { n: mine.of }) : "";
    $("my-score").textContent = fmt(mine.score);
    $("season").textContent = mine.season ? mine.season.name : "";
    const best = Math.max(1, ...Object.values(mine.breakdown));
    $("breakdown").innerHTML = config.category_order.map((c) => {
      const value = mine.breakdown[c] || 0;
      return `<li class="${value ? "" : "zero"}"><span>${esc(config.categories[c])}</span>
        <span class="meter"><i style="width:${(100 * value) / best}%"></i></span><b>${fmt(value)}</b></li>`;
    }).join("");
    $("allowance").textContent = `${fmt(allowance.left)} / ${fmt(allowance.allowance)}`;
    renderPending(pending);
    renderStories(untold);
  }
  let reloadTimer = null;
  function reloadMineSoon() {   // a burst of updates costs one reload
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => loadMine().catch((error) => console.error(error)), 300);
  }

  /* --- my team, the team table, goals, feed --------------------------------------------- */
  const byRank = (a, b) => a.rank - b.rank || a.name.localeCompare(b.name);
  function renderTeam() {
    $("team-board").innerHTML = [...players.values()].sort(byRank).map((r) => `
      <li class="${r.member_id === me.member_id ? "me" : ""}"><span class="rank">${r.rank}</span>
        <span class="name">${esc(r.name)}</span><span class="score">${fmt(r.score)}</span></li>`).join("")
      || `<li class="empty">${t.none_yet}</li>`;
    $("teams").innerHTML = [...teams.values()].sort(byRank).map((r) => `
      <li class="${r.team_id === me.team_id ? "mine" : ""}" style="--team:${H.color(r.color)}">
        <span class="rank">${r.rank}</span><span class="name"><i class="dot"></i>${esc(H.teamLabel(r))}</span>
        <span class="score">${fmt(r.score)}<small>${t.per_member}</small></span></li>`).join("");
  }
  function renderGoals() {
    const line = (label, p, cls) => `<div class="goal-line ${cls}"><span>${esc(label)}</span>
      <span class="num">${fmt(p.value)} / ${fmt(p.target)}</span>${H.bar(p)}</div>`;
    $("team-goals").innerHTML = [...goals.values()].filter((g) => g.team_id === me.team_id).map((g) => {
      const mine = g.member_targets.find((m) => m.member_id === me.member_id);
      return `<article class="goal-card"><header><b>${t.team_goal}</b>
        <span>${g.metric === "revenue" ? t.revenue : t.deals} · ${Math.round(g.progress.percent || 0)}%</span></header>
        ${line(H.teamLabel(teams.get(me.team_id)) || t.my_team, g.progress, "team")}${mine ? line(t.my_goal, mine.progress, "") : ""}</article>`;
    }).join("");
  }
  function renderFeed() {
    $("feed").innerHTML = feed.map((e) => `<li><i class="k ${H.kindClass(e)}"></i>
      <span>${H.describe(e, teams, metricNames)}</span><time>${H.when(e.occurred_at)}</time></li>`).join("")
      || `<li class="empty">${t.none_yet}</li>`;
  }

  /* --- loss reviews waiting for me --------------------------------------------------------- */
  let pendingIds = null;
  function renderPending(pending) {
    $("pending-card").hidden = pending.length === 0;
    const ids = pending.map((p) => `${p.deal_id}:${p.overdue}`).join();
    if (ids === pendingIds) return;   // the same list: answers being chosen stay as they are
    pendingIds = ids;
    const options = `<option value="">–</option><option value="yes">${t.yes}</option>
      <option value="partly">${t.partly}</option><option value="no">${t.no}</option>`;
    $("pending").innerHTML = pending.map((p) => `
      <li><details><summary>${esc(p.customer)} · ${fmt(p.amount)} · ${H.when(p.closed_at)} — ${t.review}
        ${p.overdue ? ` <span class="tag late">${esc(t.overdue)}</span>` : ""}</summary>
        <form class="form review" data-deal="${Number(p.deal_id)}">
          ${config.questions.map((q, i) => `<label class="question"><span>${i + 1}. ${esc(q)}</span>
            <select name="q${i}" required>${options}</select></label>`).join("")}
          <label>${t.lesson} <input name="lesson" maxlength="2000"></label>
          <button type="submit">${t.save}</button><p class="result" role="status"></p>
        </form></details></li>`).join("");
  }
  /* --- my profile: a heavier read, so once at start and at most every 10 s after that,
   * when something touched me --- */
  async function loadProfile() {
    $("profile").innerHTML = H.profileHtml(await api(`/api/members/${me.member_id}/profile?season=current`));
  }
  const reloadProfileSoon = H.atMostEvery(10000, loadProfile);

  H.feedbackLinks(() => me.member_id, () => policy.feedback_link_days);

  /* --- rising stars and the most improved: the top five and my own row ------------------ */
  const GROWTH_TOP = 5;
  function growthRows(rows, value) {
    const top = rows.filter((r) => r.score > 0).slice(0, GROWTH_TOP);
    const me_ = rows.find((r) => r.member_id === me.member_id);
    if (me_ && !top.includes(me_)) top.push(me_);
    return top.map((r) => `<li class="${r.member_id === me.member_id ? "me" : ""}"><span class="rank">${r.rank}</span>
      <span class="name">${esc(r.name)}</span><span class="score">${value(r.score)}</span></li>`).join("");
  }
  const reloadGrowthSoon = H.atMostEvery(5000, () => loadGrowth());   // while points move
  async function loadGrowth() {
    const [rising, improved, week] = await Promise.all([
      api("/api/leaderboards/newcomers?season=current").catch(() => ({ entries: [] })),
      api("/api/leaderboards/most-improved?season=current").catch(() => ({ entries: [] })),
      api(`/api/members/${me.member_id}/improvement`).catch(() => ({ eligible: false }))]);
    const risingHtml = growthRows(rising.entries, fmt);
    const improvedHtml = growthRows(improved.entries, (n) => (n > 0 ? `+${fmt(n)}` : fmt(n)));
    $("rising").innerHTML = risingHtml;
    $("improved").innerHTML = improvedHtml;
    $("rising-box").hidden = !risingHtml;
    $("improved-box").hidden = !improvedHtml;
    // a newcomer's own week against the last one: the improvement bonus within reach
    $("beat-box").hidden = !week.eligible;
    if (week.eligible) {
      const values = { points: fmt(week.points), target: fmt(week.target), baseline: fmt(week.baseline),
        needed: fmt(week.needed), bonus: fmt(week.bonus) };
      $("beat").innerHTML = `<span>${esc(fill(t.beat_progress, values))}</span>
        ${H.bar({ percent: week.target ? (100 * week.points) / week.target : 0, reached_at: week.earned || null })}
        <span class="num">${esc(fill(week.earned ? t.beat_done : t.beat_to_go, values))}</span>`;
    }
    $("growth-card").hidden = !risingHtml && !improvedHtml && !week.eligible;
  }

  /* --- won deals of mine without a story, logged anywhere (here, a phone, the CRM) -------- */
  let tellNext = null;   // a deal just logged on this page: its story form opens
  let storyIds = null;
  function renderStories(untold) {
    $("stories-card").hidden = untold.length === 0;
    const ids = untold.map((s) => s.deal_id).join();
    if (ids === storyIds && tellNext === null) return;   // the same list: a form being written stays as it is
    storyIds = ids;
    const open = new Set([...$("stories").querySelectorAll("details[open]")].map((d) => d.closest("li").dataset.deal));
    const typed = new Map([...$("stories").querySelectorAll("textarea")]   // never lose what is being written
      .filter((area) => area.value).map((area) => [area.closest("li").dataset.deal, area.value]));
    $("stories").innerHTML = untold.map((s) => `
      <li data-deal="${Number(s.deal_id)}"><details${open.has(String(s.deal_id)) || s.deal_id === tellNext ? " open" : ""}>
        <summary>${esc(s.customer)} · ${fmt(s.amount)} · ${H.when(s.closed_at)} — ${t.tell_story}</summary>
        <form class="form story" data-deal="${Number(s.deal_id)}">
          <label>${t.story} <textarea name="text" rows="2" maxlength="2000" required></textarea></label>
          <button type="submit" class="secondary">${t.post_story}</button><p class="result" role="status"></p>
        </form></details></li>`).join("");
    typed.forEach((text, deal) => {
      const area = $("stories").querySelector(`li[data-deal="${deal}"] textarea`);
      if (area) area.value = text;
    });
    if (tellNext !== null) {
      const area = $("stories").querySelector(`li[data-deal="${tellNext}"] textarea`);
      if (area) { area.focus(); tellNext = null; }
    }
  }
  $("stories").addEventListener("submit", (event) => {
    const form = event.target.closest("form.story");
    if (!form) return;
    event.preventDefault();
    submitting(form, async () => {
      try {
        await api(`/api/deals/${form.dataset.deal}/story`, { method: "POST",
          body: { text: new FormData(form).get("text").trim() }, problems: { 409: t.story_exists } });
        form.querySelector("textarea").value = "";
        reloadMineSoon();
      } catch (error) {
        form.querySelector(".result").className = "result error";
        form.querySelector(".result").textContent = error.message;
      }
    });
  });

  $("pending").addEventListener("submit", (event) => {
    const form = event.target.closest("form.review");
    if (!form) return;
    event.preventDefault();
    const data = new FormData(form);
    const answers = config.questions.map((_, i) => data.get(`q${i}`));
    submitting(form, async () => {
      try {
        await api(`/api/deals/${form.dataset.deal}/loss-review`, { method: "POST",
          body: { answers, lesson: data.get("lesson") || null }, problems: { 409: t.review_exists } });
        reloadMineSoon();
      } catch (error) {
        form.querySelector(".result").className = "result error";
        form.querySelector(".result").textContent = error.message;
      }
    });
  });

  /* --- forms ---------------------------------------------------------------------------------- */
  function fillForms() {
    const others = members.filter((m) => m.id !== me.member_id && m.active !== false);
    const mates = others.filter((m) => m.team_id === me.team_id);
    const rest = others.filter((m) => m.team_id !== me.team_id);
    // the assists are the teammates who helped, as the form says: every one of them, no one else
    $("assists").innerHTML = mates.map((m) => `<label><input type="checkbox" name="assist" value="${m.id}">
      ${esc(m.name)}</label>`).join("") || `<p class="empty">${t.none_yet}</p>`;
    const option = (m) => `<option value="${m.id}">${esc(m.name)}</option>`;
    $("kudos-to").innerHTML = `<optgroup label="${esc(t.my_team)}">${mates.map(option).join("")}</optgroup>`
      + (rest.length ? `<optgroup label="${esc(t.teams)}">${rest.map(option).join("")}</optgroup>` : "");
    $("strength").innerHTML = `<option value="">${t.no_strength}</option>` + Object.entries(config.strengths)
      .map(([code, name]) => `<option value="${esc(code)}">${esc(name)}</option>`).join("");
    $("kudos-points").max = policy.kudos_max_points;
  }
  /* Assists: at most policy.max_assists, never myself (I am not in the list). */
  $("assists").addEventListener("change", () => {
    const boxes = [...$("assists").querySelectorAll("input")];
    const full = boxes.filter((b) => b.checked).length >= policy.max_assists;
    boxes.forEach((b) => { b.disabled = full && !b.checked; });
  });

  $("deal-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const assists = data.getAll("assist").map(Number);
    submitting(form, async () => {
      try {
        const outcome = data.get("outcome");
        const result = await api("/api/deals", { method: "POST", body: {
          seller_id: me.member_id, outcome, amount: Number(data.get("amount")),
          customer: data.get("customer").trim(), assists: outcome === "won" ? assists : [] } });
        const mine = result.awards.filter((a) => a.member_id === me.member_id).reduce((s, a) => s + a.points, 0);
        say("deal-result", outcome === "won" ? fill(t.deal_saved, { points: fmt(mine) }) : t.lost_saved, true);
        form.reset();
        $("assists").dispatchEvent(new Event("change"));
        tellNext = outcome === "won" ? result.deal.id : null;   // its story, next: in "Stories to tell"
        reloadMineSoon();
      } catch (error) { say("deal-result", error.message, false); }
    });
  });

  $("kudos-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    submitting(form, async () => {
      try {
        const result = await api("/api/kudos", { method: "POST", body: {
          to_member_id: Number(data.get("to_member_id")), points: Number(data.get("points")),
          message: data.get("message").trim(), strength: data.get("strength") || null } });
        say("kudos-result", fill(t.kudos_saved, { left: fmt(result.allowance_left) }), true);
        form.querySelector("[name=message]").value = "";
        reloadMineSoon();
      } catch (error) { say("kudos-result", error.message, false); }
    });
  });

  /* --- activities: what the team counts besides deals (shown when the org has metrics) --- */
  let metrics = [];
  let metricNames = new Map();   // key → name, for the feed's activity lines
  async function loadMetricBoards() {
    const boards = await Promise.all(metrics.map((m) =>
      api(`/api/leaderboards/members?metric=${encodeURIComponent(m.key)}&team_id=${me.team_id}&limit=5`)));
    $("metric-boards").innerHTML = metrics.map((m, i) => `<h3>${esc(m.name)}</h3>
      <ol class="rows">${boards[i].entries.map((r) => `<li class="${r.member_id === me.member_id ? "me" : ""}">
        <span class="rank">${r.rank}</span><span class="name">${esc(r.name)}</span>
        <span class="score">${fmt(r.score)}</span></li>`).join("")}</ol>`).join("");
  }
  /* Activities come in bursts and in streams: one reload a second at most. */
  const reloadMetricBoards = H.atMostEvery(1000, () => loadMetricBoards());
  function reloadMetricsSoon() {
    if (metrics.length) reloadMetricBoards();
  }
  async function startActivities() {
    metrics = await api("/api/metrics");
    metricNames = new Map(metrics.map((m) => [m.key, m.name]));
    $("activity-card").hidden = !metrics.length;
    if (!metrics.length) return;
    $("activity-metric").innerHTML = metrics.map((m) =>
      `<option value="${esc(m.key)}">${esc(m.name)}</option>`).join("");
    await loadMetricBoards();
  }
  $("activity-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    submitting(form, async () => {
      try {
        const result = await api("/api/activities", { method: "POST", body: {
          metric: data.get("metric"), value: Number(data.get("value")) } });
        say("activity-result", result.points ? fill(t.activity_saved, { points: fmt(result.points) }) : t.activity_capped, true);
        reloadMineSoon();
        reloadMetricsSoon();
      } catch (error) { say("activity-result", error.message, false); }
    });
  });

  /* --- the reward shop: my coins, the rewards, what I redeemed ------------------------------
   * A reward I cannot afford or that is out of stock says why beside its disabled button;
   * Redeem opens a note and the button that spends. What a redemption came to (the shop's
   * refusal in words) stays in its reward's row across reloads, until the next try. */
  const MY_REDEMPTIONS_MAX = 10;
  let wallet = null;
  let rewards = [];
  let myRedemptions = [];
  let redeeming = null;        // the reward whose redeem form is open
  let noteDraft = "";          // ... and the note being written in it
  const rewardSaid = new Map();   // reward id → { text, ok }
  let shopAsked = 0;
  async function loadShop() {
    const asked = ++shopAsked;
    const [coins, shop, mine] = await Promise.all([api(`/api/members/${me.member_id}/wallet`),
      api("/api/rewards"), api(`/api/redemptions?member_id=${me.member_id}`)]);
    if (asked !== shopAsked) return;   // a later reload is on its way: it shows the newer state
    wallet = coins; rewards = shop; myRedemptions = mine;
    renderWallet(); renderRewards(); renderMyRedemptions();
  }
  /* live: any redemption or shop change, and any entry that moves my points (my coins) */
  const reloadShopSoon = H.atMostEvery(1000, loadShop);
  const touchesShop = (e) => e.kind.startsWith("redemption.") || e.kind.startsWith("reward.")
    || e.kind === "contest.settled"   // its prizes: coins, and rewards handed out as redemptions
    || (e.awards || []).some((a) => a.member_id === me.member_id);
  const stateMark = (state) => `<span class="mark state-${esc(state)}">${esc(t[`state_${state}`] || state)}</span>`;

  function renderWallet() {
    $("coins").textContent = fmt(wallet.balance);
    $("coins").classList.toggle("negative", wallet.balance < 0);
    $("wallet-line").textContent = fill(t.wallet_line,
      { earned: fmt(wallet.earned), held: fmt(wallet.held), spent: fmt(wallet.spent) });
  }
  /* Why a reward cannot be redeemed now ("" when it can): out of stock, or too few coins. */
  function unavailable(r) {
    if (r.stock !== null && r.stock <= 0) return t.out_of_stock;
    return r.cost > wallet.balance ? fill(t.coins_short, { n: fmt(r.cost - wallet.balance) }) : "";
  }
  function rewardRow(r) {
    const why = unavailable(r);
    const open = redeeming === r.id && !why;
    const facts = [];
    if (r.stock !== null && r.stock > 0) facts.push(fill(t.stock_left, { n: fmt(r.stock) }));
    if (r.per_member_limit !== null) facts.push(fill(t.per_person, { n: fmt(r.per_member_limit) }));
    const said = rewardSaid.get(r.id);
    const id = Number(r.id);
    return `<li data-reward="${id}" class="${why ? "unavailable" : ""}">
      <div class="reward-what"><b class="reward-name">${esc(r.name)}</b>
        ${r.description ? `<small>${esc(r.description)}</small>` : ""}
        ${facts.length ? `<small class="reward-facts">${esc(facts.join(" · "))}</small>` : ""}
        ${why ? `<small class="why" id="why-${id}">${esc(why)}</small>` : ""}</div>
      <div class="reward-buy"><span class="cost">${esc(H.count("coins_n", r.cost))}</span>
        <button type="button" class="small" data-act="redeem" aria-expanded="${open}"${why
          ? ` disabled aria-describedby="why-${id}"` : ""}>${esc(t.redeem)}</button></div>
      ${open ? `<form class="form redeem-form">
        <label>${esc(t.redeem_note)} <input name="note" maxlength="500" autocomplete="off"></label>
        <div class="form-buttons"><button type="submit">${esc(fill(t.redeem_for, { cost: fmt(r.cost) }))}</button>
          <button type="button" class="cancel" data-act="cancel">${esc(t.cancel)}</button></div></form>` : ""}
      <p class="result${said ? (said.ok ? " ok" : " error") : ""}" role="status">${said ? esc(said.text) : ""}</p>
    </li>`;
  }
  function renderRewards(focus = false) {
    const list = $("rewards");
    const typing = focus || Boolean(document.activeElement && document.activeElement.closest("#rewards .redeem-form"));
    if (redeeming !== null && !rewards.some((r) => r.id === redeeming && !unavailable(r))) redeeming = null;
    list.innerHTML = rewards.map(rewardRow).join("") || `<li class="empty">${esc(t.shop_empty)}</li>`;
    const note = list.querySelector(".redeem-form [name=note]");
    if (note) {   // a reload never loses what is being written
      note.value = noteDraft;
      if (typing) note.focus();
    }
  }
  function renderMyRedemptions() {
    $("my-redemptions").innerHTML = myRedemptions.slice(0, MY_REDEMPTIONS_MAX).map((r) => `
      <li data-redemption="${Number(r.id)}" class="${esc(r.state)}"><div class="redemption-what">
        <b>${esc(r.reward_name || "")}</b> ${stateMark(r.state)}
        <small>${esc(H.count("coins_n", r.cost))} · ${esc(H.when(r.decided_at || r.requested_at))}</small>
        ${r.note ? `<small>${esc(fill(t.note_yours, { note: r.note }))}</small>` : ""}
        ${r.decision_note ? `<span class="reason">${esc(fill(t.note_reply, { note: r.decision_note }))}</span>` : ""}
      </div></li>`).join("") || `<li class="empty">${esc(t.no_redemptions)}</li>`;
  }

  $("rewards").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    const row = button && button.closest("li[data-reward]");
    if (!row) return;
    const id = Number(row.dataset.reward);
    if (button.dataset.act === "redeem" && redeeming !== id) {
      redeeming = id;
      noteDraft = "";
      rewardSaid.delete(id);   // a new try: what the last one came to is old news
      renderRewards(true);
    } else {   // its button again, or Cancel: closed
      redeeming = null;
      renderRewards();
    }
  });
  $("rewards").addEventListener("input", (event) => {
    if (event.target.name === "note") noteDraft = event.target.value;
  });
  $("rewards").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest(".redeem-form")) { redeeming = null; renderRewards(); }
  });
  $("rewards").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const id = redeeming;
    const reward = rewards.find((r) => r.id === id);
    if (!reward) return;
    submitting(form, async () => {
      try {
        const done = await api("/api/redemptions", { method: "POST",
          body: { reward_id: id, note: noteDraft.trim() || null }, problems: { 409: t.shop_refused } });
        rewardSaid.set(id, { text: fill(t.redeemed, { name: done.reward_name || reward.name }), ok: true });
        redeeming = null;
      } catch (error) {
        rewardSaid.set(id, { text: error.message, ok: false });
        if ([404, 409].includes(error.status)) redeeming = null;   // refused: the reason is what stays
      }
      renderRewards();
      await loadShop().catch((error) => console.error(error));
    });
  });
  /* Rewards added or changed by an admin reach a team's socket only through the members'
   * redemptions: a page coming back into view reads the shop again. */
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && wallet) reloadShopSoon();
  });

  /* --- start ------------------------------------------------------------------------------------ */
  async function start() {
    me = await api("/api/me");
    pageMessage("");
    if (!me.member_id) {
      $("who").textContent = config.roles[me.role] || me.role;
      pageMessage(t.no_member);
      $("app").hidden = true;
      return;
    }
    const [everyone, teamList, rules] = await Promise.all([api("/api/members"), api("/api/teams"), api("/api/policy")]);
    members = everyone.sort((a, b) => a.name.localeCompare(b.name));
    teams = new Map(teamList.map((team) => [team.id, { team_id: team.id, rank: 0, score: 0, ...team }]));
    policy = { ...policy, ...rules };
    const myTeam = teams.get(me.team_id) || {};
    document.body.style.setProperty("--team", H.color(myTeam.color));
    $("who").innerHTML = `${esc(me.name)} · <i class="dot"></i>${esc(H.teamLabel(myTeam))}`;
    $("who").title = $("who").textContent;
    fillForms();
    await Promise.all([loadMine(), startActivities(), loadGrowth(), loadProfile(), loadShop()]);
    H.emit("start", { me, members, teams: teamList, metrics });   // my contests (board-contests.js)
    let snapshots = 0;
    new H.Live({ team_id: me.team_id }, {
      snapshot(m) {
        players = new Map(m.members.map((r) => [r.member_id, r]));
        teams = new Map(m.teams.map((r) => [r.team_id, r]));
        goals = new Map(m.goals.map((g) => [g.id, g]));
        feed = H.feedLines(m.feed, FEED_MAX, FEED_ACTIVITIES);
        renderTeam(); renderGoals(); renderFeed();
        if (snapshots++) reloadShopSoon();   // a later snapshot may follow missed entries
        H.emit("snapshot", m);
      },
      update(m) {
        m.members.forEach((r) => players.set(r.member_id, r));
        (m.gone || []).forEach((id) => players.delete(id));   // a member who left
        m.teams.forEach((r) => teams.set(r.team_id, r));
        m.goals.forEach((g) => goals.set(g.id, g));
        (m.goals_gone || []).forEach((id) => goals.delete(id));   // a goal removed
        feed = H.feedLines([m.entry, ...feed], FEED_MAX, FEED_ACTIVITIES);
        if (m.entry.kind === "activity") reloadMetricsSoon();
        if ((m.entry.awards || []).length) reloadGrowthSoon();
        if (touchesShop(m.entry)) reloadShopSoon();
        if (m.entry.member_id === me.member_id || m.entry.awards.some((a) => a.member_id === me.member_id)) reloadProfileSoon();
        renderTeam(); renderGoals(); renderFeed();
        reloadMineSoon();
        H.emit("update", m);
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
