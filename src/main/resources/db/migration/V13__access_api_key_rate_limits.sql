-- A key's own rate limit (a token bucket: requests per second, and the burst it may spend at once);
-- null: the default (sagaline.rate-limit.key.*).
alter table access.api_keys
    add column rate_per_second numeric check (rate_per_second > 0),
    add column rate_burst      int     check (rate_burst >= 1);
