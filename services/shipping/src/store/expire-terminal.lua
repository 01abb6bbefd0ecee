-- Included by the scripts that may leave a shipment terminal.
--
-- expire_terminal(status, retentionMs, shipment, byOrder): once a shipment is delivered,
-- cancelled or failed, it and its order's shipment-by-order key expire after
-- `retentionMs` (0: kept forever).
--
-- The shipment-by-order key is what keeps "one shipment per order" against a
-- redelivered order.placed, so expiring it reopens that door for an order.placed that
-- arrives after the retention. Nothing redelivers that late by itself: a redelivery
-- happens while the entry is pending (seconds to minutes), the bus's processed marks
-- last an hour and the streams are trimmed to their retention; 7 days leaves days of
-- margin. Only an operator replaying a dead-lettered order.placed older than the
-- retention would create a second shipment.
local function expire_terminal(status, retentionMs, shipment, byOrder)
  if retentionMs > 0 and (status == 'delivered' or status == 'cancelled' or status == 'failed') then
    redis.call('PEXPIRE', shipment, retentionMs)
    redis.call('PEXPIRE', byOrder, retentionMs)
  end
end
