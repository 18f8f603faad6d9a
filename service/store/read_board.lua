-- Read a board ranked: a page of it, or one member's rank with the rows around them.
--
-- KEYS[1]  the board (member id -> hundredths)   KEYS[2]  its ranked view
-- KEYS[3]  the directory (id -> "team:active:sort key")   KEYS[4]  display names
-- KEYS[5]  the applied-seq counter   KEYS[6]  the directory's "whole" flag
-- KEYS[7]  the set of ranked views that exist
-- ARGV[1]  'page' or 'member'   ARGV[2]  the board's team, or 0 (the whole org)
-- ARGV[3]  1: members who left are on it (a past season), else 0
-- ARGV[4], ARGV[5]  page: offset, limit;  member: member id, rows either side
--
-- The view (see LeaderboardStore) holds every member in the board's scope, with score
-- minus their hundredths and member their sort key: Redis's order is the ranking's, and
-- a member's competition rank is 1 + the members with a lower score in the view (more
-- points), one ZCOUNT. It is built here when missing, from the board and the directory,
-- and kept level afterwards by apply_batch.lua.
--
-- Returns nil when the directory is not whole or a rebuild is under way (the caller ranks
-- in Python), else {members on the board, index of the member asked for among the rows
-- (1-based; 0: not on the board, or a page), then five values per row: id, name, team,
-- hundredths, rank}.
local board, view, dir, names = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local applied = tonumber(redis.call('GET', KEYS[5]) or '-1')
if applied < 0 or redis.call('EXISTS', KEYS[6]) == 0 then
  return false
end
local op, team, past = ARGV[1], ARGV[2], ARGV[3] == '1'

if redis.call('EXISTS', view) == 0 then
  local scores = {}
  local rows = redis.call('ZRANGE', board, 0, -1, 'WITHSCORES')
  for i = 1, #rows, 2 do
    scores[rows[i]] = rows[i + 1]
  end
  local all = redis.call('HGETALL', dir)
  local batch = {}
  local function flush()
    if #batch > 0 then
      redis.call('ZADD', view, unpack(batch))
      batch = {}
    end
  end
  for i = 1, #all, 2 do
    local id, value = all[i], all[i + 1]
    local t, active, key = string.match(value, '^(%d+):(%d):(.*)$')
    if (team == '0' or t == team) and (past or active == '1') then
      local cents = tonumber(scores[id] or '0')
      batch[#batch + 1] = string.format('%d', -cents)
      batch[#batch + 1] = key
      if #batch >= 1000 then
        flush()
      end
    end
  end
  flush()
  redis.call('SADD', KEYS[7], view)
end

local total = redis.call('ZCARD', view)

-- rows [first, last] of the view (0-based), ranked: the first by ZCOUNT, the rest by the
-- rule (a row tied with the one before shares its rank, else its rank is its place)
local function ranked(first, last, out)
  local rows = redis.call('ZRANGE', view, first, last, 'WITHSCORES')
  if #rows == 0 then
    return
  end
  local ids = {}
  for i = 1, #rows, 2 do
    ids[#ids + 1] = tostring(tonumber(string.sub(rows[i], -10)))
  end
  local who = redis.call('HMGET', dir, unpack(ids))
  local shown = redis.call('HMGET', names, unpack(ids))
  local rank, previous = 0, nil
  for n = 1, #ids do
    local score = rows[2 * n]
    if n == 1 then
      rank = redis.call('ZCOUNT', view, '-inf', '(' .. score) + 1
    elseif score ~= previous then
      rank = first + n
    end
    previous = score
    out[#out + 1] = tonumber(ids[n])
    out[#out + 1] = shown[n] or ''
    out[#out + 1] = tonumber(string.match(who[n] or '0:', '^(%d+):'))
    out[#out + 1] = -tonumber(score)
    out[#out + 1] = rank
  end
end

if op == 'page' then
  local offset, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
  local out = {total, 0}
  if limit > 0 and offset < total then
    ranked(offset, offset + limit - 1, out)
  end
  return out
end

-- op == 'member'
local id, around = ARGV[4], tonumber(ARGV[5])
local value = redis.call('HGET', dir, id)
local index = value and redis.call('ZRANK', view, string.match(value, '^%d+:%d:(.*)$'))
if not index then
  return {total, 0}
end
local first = math.max(0, index - around)
local out = {total, index - first + 1}
ranked(first, index + around, out)
return out
