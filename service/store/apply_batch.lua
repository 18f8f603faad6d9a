-- Apply a batch of ledger entries to the boards, atomically, strictly in seq order.
--
-- KEYS[1]  the applied-seq counter   KEYS[2]  the parked entries (hash: seq -> entry)
-- KEYS[3]  the capped entry stream
-- ARGV[1]  pub/sub channel for entries   ARGV[2]  stream length to keep
-- ARGV[3..] one entry each, cjson-encoded: [seq, message or null, [[key, member, cents], ...]]
--          a null message means "do not stream or publish" (replaying history);
--          cents travel as strings so no precision is lost to Lua numbers.
--
-- The sorted-set keys travel inside ARGV, not KEYS: a parked entry must carry them to
-- whichever later call applies it. That is fine on the one Redis we run; it would not
-- be on a Redis Cluster.
--
-- Rules: an entry with seq <= applied was applied already (by another writer) and is
-- skipped; seq = applied + 1 is applied; a larger seq is parked in KEYS[2] and applied,
-- in order, by whichever call fills the gap before it. ``applied`` < 0 means a rebuild
-- is under way: every entry parks until the rebuild sets the base seq.
--
-- Redis does not roll a script back, so everything that can fail (decoding, checking)
-- runs before the first write. Returns {applied seq after the call, entries parked}.
local applied_key, parked_key, stream_key = KEYS[1], KEYS[2], KEYS[3]
local channel, stream_length = ARGV[1], ARGV[2]

local function decode(raw)
  local ok, entry = pcall(cjson.decode, raw)
  if not ok or type(entry) ~= 'table' or type(entry[3]) ~= 'table' then
    return nil
  end
  local seq = tonumber(entry[1])
  if not seq or seq < 1 or seq % 1 ~= 0 then
    return nil
  end
  if entry[2] ~= cjson.null and type(entry[2]) ~= 'string' then
    return nil
  end
  for _, inc in ipairs(entry[3]) do
    if type(inc) ~= 'table' or type(inc[1]) ~= 'string' or type(inc[2]) ~= 'string'
      or not tonumber(inc[3]) then
      return nil
    end
  end
  entry.seq = seq
  entry.raw = raw
  return entry
end

local batch = {}
for i = 3, #ARGV do
  local entry = decode(ARGV[i])
  if not entry then
    return redis.error_reply('apply_batch: malformed entry #' .. (i - 2))
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

local function apply(entry)
  for _, inc in ipairs(entry[3]) do
    redis.call('ZINCRBY', inc[1], inc[3], inc[2])
  end
  local message = entry[2]
  if message ~= cjson.null then
    if entry.seq > stream_top then
      redis.call('XADD', stream_key, 'MAXLEN', stream_length,
        string.format('%d-0', entry.seq), 'entry', message)
      stream_top = entry.seq
    end
    redis.call('PUBLISH', channel, message)
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
    apply(decode(raw))  -- checked when it was parked
  end
end

drain()
for _, entry in ipairs(batch) do
  if entry.seq == applied + 1 then
    apply(entry)
    drain()
  elseif entry.seq > applied + 1 then
    parked = parked + redis.call('HSETNX', parked_key, string.format('%d', entry.seq), entry.raw)
  end
end
if applied ~= start then
  redis.call('SET', applied_key, string.format('%d', applied))
end
return {applied, parked}
