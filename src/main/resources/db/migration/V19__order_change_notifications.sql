-- A waiting read (GET /orders/{id}?waitSeconds=N) is woken when its order's verdict commits:
-- every change of an order's status, or of its cancellation in progress, notifies the channel
-- sagaline_order_changed with the order's id, delivered to listeners when the transaction commits.
create function orders.notify_order_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('sagaline_order_changed', new.id::text);
    return null;
end $$;

create trigger order_changed after update of status, cancellation_execution_id on orders.orders
    for each row when (old.status is distinct from new.status
                       or old.cancellation_execution_id is distinct from new.cancellation_execution_id)
    execute function orders.notify_order_changed();
