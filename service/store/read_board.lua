-- Read a board ranked: a page of it, or one member's rank with the rows around them.
--
-- KEYS[1]  the board (member id -> hundredths)   KEYS[2]  its ranked view
-- KEYS[3]  the directory (id -> "team:active:" and the member's row in a view)
-- KEYS[4]  the applied-seq counter   KEYS[5]  the directory's "whole" flag
-- KEYS[6]  the set of ranked views that exist
-- ARGV[1]  'page' or 'member'   ARGV[2]  the board's team, or 0 (the whole org)
-- ARGV[3]  1: members who left are on it (a past season), else 0
-- ARGV[4], ARGV[5]  page: offset, limit;  member: member id, rows either side
--
-- The view (see LeaderboardStore) holds every member in the board's scope, with score
-- minus their hundredths and member their row (sort key, NUL, team, NUL, name: the sort
-- key is unique, so what follows it changes no order): Redis's order is the ranking's, and
-- a member's competition rank is 1 + the members with a lower score in the view (more
-- points), one ZCOUNT. It is built here when missing, from the board and the directory,
-- and kept level afterwards by apply_batch.lua.
--
-- Returns nil when the directory is not whole or a rebuild is under way (the caller ranks
-- in Python), else {members on the board, index of the member asked for among the rows
-- (1-based; 0: not on the board, or a page), then three values per row: its row in the
-- view, its score there (minus the hundredths, an integer), its rank}.
local board, view, dir = KEYS[1], KEYS[2], KEYS[3]
local applied = tonumber(redis.call('GET', KEYS[4]) or '-1')
if applied < 0 or redis.call('EXISTS', KEYS[5]) == 0 then
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
  -- a last row that is no member ('' at +inf): a board with nobody in its scope is kept
  -- too, not built again at every read
  local batch = {'+inf', ''}
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
  redis.call('SADD', KEYS[6], view)
end

local total = redis.call('ZCARD', view) - 1 -- less the last row, no member

-- rows [first, last] of the view (0-based), ranked: the first by ZCOUNT, the rest by the
-- rule (a row tied with the one before shares its rank, else its rank is its place)
local function ranked(first, last, out)
  local rows = redis.call('ZRANGE', view, first, math.min(last, total - 1), 'WITHSCORES')
  local rank, previous = 0, nil
  for i = 1, #rows, 2 do
    local score = rows[i + 1]
    if i == 1 then
      rank = redis.call('ZCOUNT', view, '-inf', '(' .. score) + 1
    elseif score ~= previous then
      rank = first + (i + 1) / 2
    end
    previous = score
    out[#out + 1] = rows[i]
    out[#out + 1] = tonumber(score)
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
