-- Apply a batch of ledger entries to the boards, atomically, strictly in seq order.
--
-- KEYS[1]  the applied-seq counter   KEYS[2]  the parked entries (hash: seq -> entry)
-- KEYS[3]  the capped entry stream
-- ARGV[1]  pub/sub channel for entries   ARGV[2]  stream length to keep
-- ARGV[3]  the key prefix of the boards
-- ARGV[4..] two per entry:
--          its head, cjson-encoded: [seq, [[member, team, season or 0, category, cents], ...]]
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
-- after the call, entries parked}.
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
  return {seq = seq, awards = entry[2], message = message, head = head}
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

local published = {}
local function apply(entry)
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
  applied = entry.seq
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
  end
end
for key, board in pairs(sums) do
  for member, cents in pairs(board) do
    redis.call('ZINCRBY', key, string.format('%d', cents), member)
  end
end
if #published > 0 then
  redis.call('PUBLISH', channel, table.concat(published, '\n'))
end
if applied ~= start then
  redis.call('SET', applied_key, string.format('%d', applied))
end
return {applied, parked}
