-- The data the samples in events/ act on, all of tenant demo, at fixed instants (so a sample's
-- asOf is relative to this fixture, never to today). Idempotent: loading it twice changes nothing.
-- Orders are their event streams; the read model is their projection.
--   9e01, 9e02: placed (PENDING); 9e01's payment is authorised.
--   9e03, 9e06: approved; 9e03 has its invoice (numbered far from the numbers the consumer gives),
--   9e06 is the one whose OrderApproved message the issue-invoice sample delivers.
--   9e04, 9e05: approved, a cancellation requested; 9e04's payment is authorised.
-- Customer ...6f70 places them; ...6f71 is erased by its sample (once: its sample answers 404 after).
insert into customers.customers (id, tenant, name, email, credit_limit_cents, available_credit_cents)
values ('6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70', 'demo', 'Ada Lovelace', 'ada@example.com', 100000, 100000)
on conflict do nothing;
-- the customer the delete-customer sample erases (written in clear, as before V15; the rotation seals it)
insert into customers.customers (id, tenant, name, email, credit_limit_cents, available_credit_cents)
values ('6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f71', 'demo', 'Charles Babbage', 'charles@example.com', 1000, 1000)
on conflict do nothing;

insert into inventory.products (tenant, sku, name, unit_price_cents, stock)
values ('demo', 'SAMPLE-MUG', 'Mug', 1200, 100)
on conflict do nothing;

with o (suffix, approved, cancelling) as (
         values ('01', false, false), ('02', false, false), ('03', true, false), ('04', true, true), ('05', true, true),
                ('06', true, false)),
     fixture as (
         select ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e' || suffix)::uuid as id, approved, cancelling,
                'arn:aws:states:us-east-1:000000000000:execution:place-order:0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e' || suffix
                    as execution,
                'arn:aws:states:us-east-1:000000000000:execution:cancel-order:0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e' || suffix
                    || '-1' as cancellation
         from o),
     events as (
         select id, 1 as version, 'OrderPlaced' as type, timestamptz '2026-11-30T09:00:00Z' as at,
                jsonb_build_object('customerId', '6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70', 'executionId', execution,
                                   'items', jsonb_build_array(jsonb_build_object('sku', 'SAMPLE-MUG', 'quantity', 2))) as data
         from fixture
         union all
         select id, 2, 'OrderApproved', timestamptz '2026-11-30T09:00:01Z',
                jsonb_build_object('customerId', '6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70', 'totalCents', 2400,
                                   'lines', jsonb_build_array(jsonb_build_object('sku', 'SAMPLE-MUG', 'quantity', 2,
                                                                                 'unitPriceCents', 1200)))
         from fixture where approved
         union all
         select id, 3, 'CancellationRequested', timestamptz '2026-11-30T09:00:02Z',
                jsonb_build_object('executionId', cancellation)
         from fixture where cancelling),
     stored_events as (
         insert into orders.order_events (tenant, order_id, version, id, type, occurred_at, data)
         select 'demo', id, version, gen_random_uuid(), type, at, data from events
         on conflict do nothing),
     views as (
         insert into orders.orders (id, tenant, customer_id, status, total_cents, execution_id, cancellation_execution_id,
                                    version, created_at, updated_at)
         select id, 'demo', '6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70', case when approved then 'APPROVED' else 'PENDING' end,
                case when approved then 2400 end, execution, case when cancelling then cancellation end,
                case when cancelling then 3 when approved then 2 else 1 end, timestamptz '2026-11-30T09:00:00Z',
                case when cancelling then timestamptz '2026-11-30T09:00:02Z'
                     when approved then timestamptz '2026-11-30T09:00:01Z'
                     else timestamptz '2026-11-30T09:00:00Z' end
         from fixture
         on conflict do nothing)
insert into orders.order_lines (tenant, order_id, line_no, sku, quantity, unit_price_cents)
select 'demo', id, 0, 'SAMPLE-MUG', 2, case when approved then 1200 end from fixture
on conflict do nothing;

insert into payments.authorizations (tenant, order_id, amount_cents, status, gateway_authorization_id)
values ('demo', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e04', 2400, 'AUTHORIZED', 'auth_sample'),
       ('demo', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e01', 2400, 'AUTHORIZED', 'auth_sample_1')
on conflict do nothing;

insert into invoices.invoices (tenant, number, order_id, customer_id, total_cents, lines, issued_at, message_id)
values ('demo', 1000000, '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e03', '6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70', 2400,
        '[{"sku": "SAMPLE-MUG", "quantity": 2, "unitPriceCents": 1200}]', timestamptz '2026-11-30T09:00:03Z',
        '7d0e4b2a-6c1f-4e3d-8b9a-1c2d3e4f5a00')
on conflict do nothing;

-- Campaigns of tenant demo: Black Friday (c4a1...4a01) with two events, and an opening week
-- (...4a02) that the delete sample deletes; the event ...5b02 is the one delete-event deletes.
insert into campaigns.campaigns (id, tenant, name, start_date, end_date, version, created_at, updated_at)
values ('c4a1f0e2-5b6d-4e7f-8a9b-0c1d2e3f4a01', 'demo', 'Black Friday', '2026-11-27T00:00:00Z', '2026-12-01T00:00:00Z', 1,
        '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z'),
       ('c4a1f0e2-5b6d-4e7f-8a9b-0c1d2e3f4a02', 'demo', 'Opening week', '2026-12-07T00:00:00Z', '2026-12-14T00:00:00Z', 1,
        '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z')
on conflict do nothing;
insert into campaigns.events (id, tenant, campaign_id, name, start_date, end_date, version, created_at, updated_at)
values ('e5b2a1f3-6c7d-4f8e-9b0a-1d2e3f4a5b01', 'demo', 'c4a1f0e2-5b6d-4e7f-8a9b-0c1d2e3f4a01', 'Doors open early',
        '2026-11-27T07:00:00Z', '2026-11-27T09:00:00Z', 1, '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z'),
       ('e5b2a1f3-6c7d-4f8e-9b0a-1d2e3f4a5b02', 'demo', 'c4a1f0e2-5b6d-4e7f-8a9b-0c1d2e3f4a01', 'Raffle',
        '2026-11-28T12:00:00Z', '2026-11-28T13:00:00Z', 1, '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z')
on conflict do nothing;

-- a valet link to 9e03's invoice (the get-invoice-by-link sample's, signed with the local key until
-- the year 9999) and one the revoke-invoice-link sample revokes
insert into invoices.valet_links (id, tenant, order_id, created_by, created_at, expires_at)
values ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9f03', 'demo', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e03',
        'c09ed856-a44a-34a0-a643-e9c6ce5bb64d', '2026-11-30T10:15:00Z', '9999-12-31T00:00:00Z'),
       ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9f04', 'demo', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e03',
        'c09ed856-a44a-34a0-a643-e9c6ce5bb64d', '2026-11-30T10:15:00Z', '9999-12-31T00:00:00Z')
on conflict do nothing;

-- webhooks, of their own tenant (sample-webhooks places no orders, so no sample's delivery goes
-- anywhere but the fixture's): subscription 7a01 (its secret is made by the rotation sample), a
-- delivery that failed for good (7b01, which the replay sample replays) and one delivered (7b02)
insert into webhooks.subscriptions (id, tenant, url, events, created_at)
values ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7a01', 'sample-webhooks', 'http://localhost:9/hooks',
        '{OrderApproved,OrderRejected,OrderCancelled}', '2026-11-30T10:15:00Z')
on conflict do nothing;
insert into webhooks.deliveries (id, tenant, subscription_id, event_id, event_type, order_id, occurred_at, body, status,
                                 attempts, next_attempt_at, first_attempt_at, created_at, delivered_at, failed_at)
values ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b01', 'sample-webhooks', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7a01',
        '7d0e4b2a-6c1f-4e3d-8b9a-1c2d3e4f7b01', 'OrderApproved', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b11',
        '2026-11-29T10:15:00Z', '{"id":"7d0e4b2a-6c1f-4e3d-8b9a-1c2d3e4f7b01","type":"OrderApproved","occurredAt":"2026-11-29T10:15:00Z","data":{"orderId":"0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b11","status":"APPROVED","totalCents":2400}}',
        'FAILED', 2, '2026-11-30T10:15:00Z', '2026-11-29T10:15:01Z', '2026-11-29T10:15:00Z', null, '2026-11-30T10:15:00Z'),
       ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b02', 'sample-webhooks', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7a01',
        '7d0e4b2a-6c1f-4e3d-8b9a-1c2d3e4f7b02', 'OrderRejected', '0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b12',
        '2026-11-29T11:15:00Z', '{"id":"7d0e4b2a-6c1f-4e3d-8b9a-1c2d3e4f7b02","type":"OrderRejected","occurredAt":"2026-11-29T11:15:00Z","data":{"orderId":"0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b12","status":"REJECTED","rejectionReason":"OUT_OF_STOCK"}}',
        'DELIVERED', 1, '2026-11-29T11:15:01Z', '2026-11-29T11:15:01Z', '2026-11-29T11:15:00Z', '2026-11-29T11:15:01Z', null)
on conflict do nothing;
insert into webhooks.attempts (delivery_id, attempt, tenant, started_at, latency_ms, response_status, outcome, error)
values ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b01', 1, 'sample-webhooks', '2026-11-29T10:15:01Z', 31, 503, 'FAILED', 'the receiver answered 503'),
       ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b01', 2, 'sample-webhooks', '2026-11-30T10:15:00Z', 28, 503, 'FAILED', 'the receiver answered 503'),
       ('0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d7b02', 1, 'sample-webhooks', '2026-11-29T11:15:01Z', 42, 204, 'DELIVERED', null)
on conflict do nothing;
