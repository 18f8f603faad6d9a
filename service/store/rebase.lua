-- Finish a rebuild: the boards now hold every entry up to ARGV[1].
--
-- KEYS[1]  the applied-seq counter   KEYS[2]  the parked entries
-- ARGV[1]  the seq the rebuilt boards are level with
--
-- Entries parked during the rebuild at or below that seq are in the boards already:
-- drop them. Later ones stay parked; the next apply_batch call applies them in order.
local base = tonumber(ARGV[1])
local stale = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
  if tonumber(field) <= base then
    stale[#stale + 1] = field
  end
end
redis.call('SET', KEYS[1], ARGV[1])
for i = 1, #stale, 1000 do
  redis.call('HDEL', KEYS[2], unpack(stale, i, math.min(i + 999, #stale)))
end
return #stale
