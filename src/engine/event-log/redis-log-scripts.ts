import { RedisScript } from '../redis/redis-clients.ts';

/**
 * The Lua scripts of the Redis conversation log. Each runs atomically on the server, so the epoch
 * check, the fence check, seq assignment, the stream write and the publish of one append cannot
 * interleave with another node's. Keys of one conversation (all `{conversationId}`-tagged):
 *   meta   hash   { epoch, seq }: the log's incarnation and the last seq assigned
 *   events stream entry id `<seq>-0`, field `e` = the event without seq/cursor (JSON)
 *   claims hash   runId → current attempt;  order list: runIds, oldest first (bounds claims)
 *   live   shard channel: `<epoch> <first seq> <count> [<event JSON>,…]` per append
 * Every write refreshes a TTL on the keys, so an idle conversation's keys go away; a later open
 * then starts a new epoch, exactly as after Redis lost them.
 */

const refreshTtl = `
local function refresh(ttl, ...)
  for _, key in ipairs({...}) do redis.call('PEXPIRE', key, ttl) end
end`;

/**
 * KEYS meta, events, claims, order; ARGV lastSeq, newEpoch, ttlMs → { epoch, seq }.
 * Keeps the stored log when it exists and is not behind the store's lastSeq; otherwise (Redis lost
 * it, it expired, or it is behind what the store has seen) starts a new epoch at lastSeq.
 */
export const openScript = new RedisScript(`${refreshTtl}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
if not epoch or seq < tonumber(ARGV[1]) then
  epoch = ARGV[2]
  seq = tonumber(ARGV[1])
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', ARGV[1])
end
refresh(ARGV[3], KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return { epoch, tostring(seq) }
`);

/**
 * The stored seq when the log is still the one an open log saw: the same epoch, and a seq not behind
 * the highest it saw (`seen`). Behind means Redis restarted from an older state (AOF `everysec`
 * loses up to a second): the seqs after it would be issued again for other events, so the epoch
 * ends here (HDEL), every open log of it is lost, and the next open starts a new one.
 */
const currentSeq = `
local function current(meta, epoch, seen)
  local stored = redis.call('HMGET', meta, 'epoch', 'seq')
  if stored[1] ~= epoch then return nil end
  local seq = tonumber(stored[2])
  if seq < tonumber(seen) then
    redis.call('HDEL', meta, 'epoch')
    return nil
  end
  return seq
end`;

/**
 * KEYS meta, events, claims, live; ARGV epoch, seen, ttlMs, fenceRunId ('' = unfenced), fenceAttempt,
 * maxLength, event JSON… → { 'ok', firstSeq } | { 'lost' } | { 'stale' }.
 */
export const appendScript = new RedisScript(`${refreshTtl}${currentSeq}
if not current(KEYS[1], ARGV[1], ARGV[2]) then return { 'lost' } end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[3], ARGV[4]) ~= ARGV[5] then return { 'stale' } end
local count = #ARGV - 6
local last = redis.call('HINCRBY', KEYS[1], 'seq', count)
local first = last - count + 1
if count > 0 then
  for index = 1, count - 1 do
    redis.call('XADD', KEYS[2], (first + index - 1) .. '-0', 'e', ARGV[6 + index])
  end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], last .. '-0', 'e', ARGV[6 + count])
  redis.call('SPUBLISH', KEYS[4], ARGV[1] .. ' ' .. first .. ' ' .. count .. ' [' .. table.concat(ARGV, ',', 7) .. ']')
end
refresh(ARGV[3], KEYS[1], KEYS[2], KEYS[3])
return { 'ok', first }
`);

/**
 * KEYS meta, claims, order; ARGV epoch, seen, runId, attempt, maxClaims, ttlMs → { 'ok' } | { 'lost' }
 * | { 'stale' }. A claim never goes back; past maxClaims runs, the oldest run's claim is dropped (its
 * fence is then refused, which is safe).
 */
export const claimScript = new RedisScript(`${refreshTtl}${currentSeq}
if not current(KEYS[1], ARGV[1], ARGV[2]) then return { 'lost' } end
local held = redis.call('HGET', KEYS[2], ARGV[3])
if held and tonumber(held) > tonumber(ARGV[4]) then return { 'stale' } end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
if not held then
  redis.call('RPUSH', KEYS[3], ARGV[3])
  if redis.call('LLEN', KEYS[3]) > tonumber(ARGV[5]) then redis.call('HDEL', KEYS[2], redis.call('LPOP', KEYS[3])) end
end
refresh(ARGV[6], KEYS[1], KEYS[2], KEYS[3])
return { 'ok' }
`);

/**
 * KEYS meta, events; ARGV epoch, seen, after, capacity → { 'ok', lastSeq, entries } | { 'gone',
 * lastSeq } | { 'lost' }. The window is the last `capacity` seqs, whatever the approximate trim kept.
 */
export const readScript = new RedisScript(`${currentSeq}
local last = current(KEYS[1], ARGV[1], ARGV[2])
if not last then return { 'lost' } end
local after = tonumber(ARGV[3])
if after > last or after < last - tonumber(ARGV[4]) then return { 'gone', last } end
if after == last then return { 'ok', last, {} } end
return { 'ok', last, redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', '+', 'COUNT', last - after) }
`);

export type AppendReply = ['ok', number] | ['lost'] | ['stale'];
export type ClaimReply = ['ok'] | ['lost'] | ['stale'];
/** Stream entries as RESP2 gives them: [id, [field, value]]. */
export type StreamEntry = [string, [string, string]];
export type ReadReply = ['ok', number, StreamEntry[]] | ['gone', number] | ['lost'];
