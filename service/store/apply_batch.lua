-- Apply a batch of ledger entries to the boards, atomically, strictly in seq order.
--
-- KEYS[1]  the applied-seq counter   KEYS[2]  the parked entries (hash: seq -> entry)
-- KEYS[3]  the capped entry stream
-- ARGV[1]  pub/sub channel for entries   ARGV[2]  stream length to keep
-- ARGV[3]  the key prefix of the boards
-- ARGV[4..] two per entry:
--          its head, cjson-encoded: [seq, [[member, team, season or 0, category, cents], ...]]
--          and, when it changes the member directory, a third element:
--          [[member, team or 0, active 1/0 or -1, name casefolded or '', name or ''], ...]
--          A span of consecutive entries that are neither streamed nor change the
--          directory (an import's rows) comes as one head with a fourth element, the
--          span's last seq: [first seq, their awards summed, [], last seq]. It is applied,
--          parked and skipped as one entry (parked under its first seq).
--          its live message (JSON text), or '' for "do not stream or publish" (history).
--          The message is its own argument so that it is never decoded here: the script
--          only copies it. Ids and cents are integers; cjson reads them as doubles, exact
--          below 2^53.
--
-- Where an award counts (the same layout as LeaderboardStore._increments, which the
-- rebuild uses; test_load_sums_equals_incremental holds the two together): for scope
-- 'all' and, with a season, 's<season>'; for category 'total' and the award's own:
--   <prefix>:m:<scope>:<category>          the member, org-wide
--   <prefix>:m:<scope>:<category>:t<team>  the member, in their team
-- and <prefix>:t:<scope> for the team. The sorted-set keys are built here, not sent in
-- KEYS: a parked entry must carry its awards to whichever later call applies it. That is
-- fine on the one Redis we run; it would not be on a Redis Cluster.
--
-- The directory (<prefix>:dir, id -> "team:active:" and the member's row in a ranked
-- view: sort key, NUL, team, NUL, name) follows the entries' changes in seq order;
-- applying seq 1 means Redis has seen the whole ledger, so the directory is whole
-- (<prefix>:dir:ready). The sort key is core/ranking.py's sort_key, built here from the
-- casefolded name (the same bytes: test_board_reads holds the two together). A change to the directory drops every ranked
-- view (<prefix>:views lists them; read_board.lua builds them again); otherwise each
-- increment of a member board moves the member in its views that exist
-- (<prefix>:v:now|past:<board>) by ZADD XX: a member outside a view's scope (left, or
-- of another team now) is not in it and stays out.
--
-- Rules: an entry with seq <= applied was applied already (by another writer) and is
-- skipped; seq = applied + 1 is applied; a larger seq is parked in KEYS[2] (its head and
-- its message, joined by a newline) and applied, in order, by whichever call fills the
-- gap before it. ``applied`` < 0 means a rebuild is under way: every entry parks until
-- the rebuild sets the base seq.
--
-- The increments of every entry applied in one call are summed first and written once
-- per (board, member) at the end, and the messages of the entries applied go out in ONE
-- publish, joined by newlines (JSON text has none of its own): the script runs
-- atomically, so no reader can tell. Redis does not roll a script back, so everything
-- that can fail (decoding, checking) runs before the first write. Returns {applied seq
-- after the call, entries parked, 1 if a span was skipped because part of it (not all)
-- was applied already (the caller sends its entries again one by one), else 0}.
local applied_key, parked_key, stream_key = KEYS[1], KEYS[2], KEYS[3]
local channel, stream_length, prefix = ARGV[1], ARGV[2], ARGV[3]
local FIRST = 4 -- the first ARGV that is an entry's head

local function whole(x)
  return type(x) == 'number' and x % 1 == 0 and x > -9007199254740992 and x < 9007199254740992
end

local function decode(head, message)
  local ok, entry = pcall(cjson.decode, head)
  if not ok or type(entry) ~= 'table' or type(entry[2]) ~= 'table' then
    return nil
  end
  local seq = tonumber(entry[1])
  if not seq or seq < 1 or seq % 1 ~= 0 or type(message) ~= 'string' then
    return nil
  end
  for _, award in ipairs(entry[2]) do
    if type(award) ~= 'table' or not whole(award[1]) or not whole(award[2])
      or not whole(award[3]) or type(award[4]) ~= 'string' or not whole(award[5]) then
      return nil
    end
  end
  local changes = entry[3] or {}
  if type(changes) ~= 'table' then
    return nil
  end
  local last = entry[4] or seq
  if not whole(last) or last < seq or (last > seq and #changes > 0) then
    return nil
  end
  for _, change in ipairs(changes) do
    if type(change) ~= 'table' or not whole(change[1]) or not whole(change[2])
      or not whole(change[3]) or type(change[4]) ~= 'string'
      or type(change[5]) ~= 'string' then
      return nil
    end
  end
  return {seq = seq, last = last, awards = entry[2], changes = changes, message = message,
    head = head}
end

-- a parked entry: its head and its message, joined by the first newline
local function unpark(raw)
  local cut = string.find(raw, '\n', 1, true)
  return decode(string.sub(raw, 1, cut - 1), string.sub(raw, cut + 1))
end

if (#ARGV - FIRST + 1) % 2 ~= 0 then
  return redis.error_reply('apply_batch: an entry without its message')
end
local batch = {}
for i = FIRST, #ARGV, 2 do
  local entry = decode(ARGV[i], ARGV[i + 1])
  if not entry then
    return redis.error_reply('apply_batch: malformed entry #' .. ((i - FIRST) / 2 + 1))
  end
  batch[#batch + 1] = entry
end
table.sort(batch, function(a, b) return a.seq < b.seq end)

local applied = tonumber(redis.call('GET', applied_key) or '0')
local parked = redis.call('HLEN', parked_key)
-- XADD refuses an id at or below the stream's last one: find it before writing
local stream_top = 0
local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)
if last[1] then
  stream_top = tonumber(string.match(last[1][1], '^(%d+)'))
end
local start = applied
local split = 0 -- a span part of which was applied already

-- board key -> member -> summed cents, written at the end
local sums = {}
local function add(key, member, cents)
  local board = sums[key]
  if not board then
    board = {}
    sums[key] = board
  end
  board[member] = (board[member] or 0) + cents
end

-- the start of each scope's member keys, built once per scope
local member_keys = {}
local function members_of(scope)
  local start = member_keys[scope]
  if not start then
    start = prefix .. ':m:' .. scope .. ':'
    member_keys[scope] = start
  end
  return start
end
local team_keys = {}

-- ids are below 2^31: tostring writes them as whole numbers. A category starting with
-- '#' is a count (units of an activity metric): its own board only, no total, no team.
local function count_in(scope, member, team, category, cents)
  local members = members_of(scope)
  local own = members .. category
  add(own, member, cents)
  add(own .. ':t' .. team, member, cents)
  if string.byte(category, 1) == 35 then -- '#'
    return
  end
  local total = members .. 'total'
  add(total, member, cents)
  add(total .. ':t' .. team, member, cents)
  local teams = team_keys[scope]
  if not teams then
    teams = prefix .. ':t:' .. scope
    team_keys[scope] = teams
  end
  add(teams, team, cents)
end

local function count(award)
  local member, team = tostring(award[1]), tostring(award[2])
  local season, category, cents = award[3], award[4], award[5]
  count_in('all', member, team, category, cents)
  if season ~= 0 then
    count_in('s' .. tostring(season), member, team, category, cents)
  end
end

local dir_key = prefix .. ':dir'
local directory_changed = false

-- core/ranking.py's sort_key: a NUL in the name as NUL U+0001, two NULs after it, the id
-- in ten digits; a ranked view's member is the sort key, a NUL, the team, a NUL, the name
local function view_member(folded, member, team, name)
  return (string.gsub(folded, '%z', '\0\1')) .. '\0\0' .. string.format('%010d', member)
    .. '\0' .. team .. '\0' .. name
end

local function change_directory(change)
  local member, team, active, folded, name = change[1], change[2], change[3], change[4], change[5]
  local id = tostring(member)
  local was = redis.call('HGET', dir_key, id)
  local t, a, row
  if was then
    t, a, row = string.match(was, '^(%d+):(%d):(.*)$')
  elseif team == 0 or active < 0 or folded == '' then
    return -- a change to a member the directory does not know (it is not whole)
  end
  if active >= 0 then
    a = tostring(active)
  end
  if team ~= 0 or folded ~= '' then
    if team ~= 0 then
      t = tostring(team)
    end
    if folded == '' then -- the same name: it is what follows the key and the team
      local cut = string.find(row, '\0\0', 1, true)
      name = string.match(string.sub(row, cut + 12), '^%z%d+%z(.*)$')
      row = string.sub(row, 1, cut + 11) .. '\0' .. t .. '\0' .. name
    else
      row = view_member(folded, member, t, name)
    end
  end
  local now = t .. ':' .. a .. ':' .. row
  if now ~= was then
    redis.call('HSET', dir_key, id, now)
    directory_changed = true
  end
end

local published = {}
local function apply(entry)
  for _, change in ipairs(entry.changes) do
    change_directory(change)
  end
  if entry.seq == 1 then -- the ledger from its start: the directory is whole
    redis.call('SET', prefix .. ':dir:ready', '1')
  end
  for _, award in ipairs(entry.awards) do
    count(award)
  end
  local message = entry.message
  if message ~= '' then
    if entry.seq > stream_top then
      redis.call('XADD', stream_key, 'MAXLEN', stream_length,
        string.format('%d-0', entry.seq), 'entry', message)
      stream_top = entry.seq
    end
    published[#published + 1] = message
  end
  applied = entry.last
end

-- apply whatever parked entries continue the sequence
local function drain()
  while parked > 0 do
    local field = string.format('%d', applied + 1)
    local raw = redis.call('HGET', parked_key, field)
    if not raw then
      return
    end
    redis.call('HDEL', parked_key, field)
    parked = parked - 1
    apply(unpark(raw))  -- checked when it was parked
  end
end

drain()
for _, entry in ipairs(batch) do
  if entry.seq == applied + 1 then
    apply(entry)
    drain()
  elseif entry.seq > applied + 1 then
    parked = parked + redis.call('HSETNX', parked_key, string.format('%d', entry.seq),
      entry.head .. '\n' .. entry.message)
  elseif entry.last > applied then
    split = 1
  end
end
local views_key = prefix .. ':views'
if directory_changed then
  local views = redis.call('SMEMBERS', views_key)
  for i = 1, #views, 1000 do
    redis.call('UNLINK', unpack(views, i, math.min(i + 999, #views)))
  end
  redis.call('UNLINK', views_key)
end
-- the ranked views of a member board that exist (none of a team board); while no board
-- was ever read ranked, none: one EXISTS for the batch instead of two for each board
local any_views = not directory_changed and redis.call('EXISTS', views_key) == 1
local member_boards = prefix .. ':m:'
local function views_of(key)
  local views = {}
  if any_views and string.sub(key, 1, #member_boards) == member_boards then
    local rest = string.sub(key, #prefix + 1)
    for _, which in ipairs({':v:now', ':v:past'}) do
      local view = prefix .. which .. rest
      if redis.call('EXISTS', view) == 1 then
        views[#views + 1] = view
      end
    end
  end
  return views
end
local rows_of = {} -- member id -> their row in a view, read once
for key, board in pairs(sums) do
  local views = views_of(key)
  local moved = {} -- score, row, ... for the views: one ZADD each
  for member, cents in pairs(board) do
    local score = redis.call('ZINCRBY', key, string.format('%d', cents), member)
    if #views > 0 then
      local row = rows_of[member]
      if row == nil then
        local value = redis.call('HGET', dir_key, member)
        row = value and string.match(value, '^%d+:%d:(.*)$') or false
        rows_of[member] = row
      end
      if row then
        moved[#moved + 1] = string.format('%d', -tonumber(score))
        moved[#moved + 1] = row
      end
    end
  end
  for _, view in ipairs(views) do
    for i = 1, #moved, 1000 do
      redis.call('ZADD', view, 'XX', unpack(moved, i, math.min(i + 999, #moved)))
    end
  end
end
if #published > 0 then
  redis.call('PUBLISH', channel, table.concat(published, '\n'))
end
if applied ~= start then
  redis.call('SET', applied_key, string.format('%d', applied))
end
return {applied, parked, split}
