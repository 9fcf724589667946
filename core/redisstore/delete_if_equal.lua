-- Deletes KEYS[1] if it holds ARGV[1] (a value, or a lock's token).
-- Returns the number of keys deleted.
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
