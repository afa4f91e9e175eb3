package io.sagaline.orders;

import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagaline.payments.PaymentGatewaySimulator;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.Invariants;

/**
 * A burst of orders racing for less stock and less credit than they ask for. Once every saga
 * has decided, every invariant of the API contract holds on the stored state.
 */
@QuarkusTest
class ConcurrentOrdersTest {

    private static final int ORDERS = 60;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    PaymentGatewaySimulator gateway;

    record Placed(String orderId, String customerId, Map<String, Integer> lines) {
    }

    @Test
    void aBurstOfOrdersForTooLittleStockAndCredit_neverOversellsNorOverdrawsAndDecidesEveryOrder() throws Exception {
        String mugs = newProduct(1_000, 25);
        String cups = newProduct(700, 40);
        List<String> customers = List.of(newCustomer(20_000), newCustomer(15_000), newCustomer(9_000));
        Map<String, Long> limits = Map.of(customers.get(0), 20_000L, customers.get(1), 15_000L, customers.get(2), 9_000L);
        Random random = new Random(42);
        List<Callable<Placed>> burst = new ArrayList<>();
        for (int i = 0; i < ORDERS; i++) {
            String customer = customers.get(random.nextInt(customers.size()));
            int mugCount = 1 + random.nextInt(3);
            int cupCount = 1 + random.nextInt(3);
            boolean mugsFirst = random.nextBoolean();
            String token = random.nextInt(10) == 0 ? "tok_declined" : "tok_ok";
            Object[] lines = mugsFirst ? new Object[] { mugs, mugCount, cups, cupCount }
                    : new Object[] { cups, cupCount, mugs, mugCount };
            burst.add(
                    () -> new Placed(Api.placeOrder(customer, token, lines), customer, Map.of(mugs, mugCount, cups, cupCount)));
        }

        ExecutorService callers = Executors.newFixedThreadPool(16);
        List<Placed> placed = new ArrayList<>();
        for (Future<Placed> f : callers.invokeAll(burst)) {
            placed.add(f.get());
        }
        callers.shutdown();

        Map<String, Long> approvedQuantity = new HashMap<>();
        Map<String, Long> approvedCredit = new HashMap<>();
        List<String> reasons = new ArrayList<>();
        for (Placed p : placed) {
            JsonPath order = awaitDecided(p.orderId());
            String status = order.getString("status");
            assertThat(status).isIn("APPROVED", "REJECTED");
            if (status.equals("APPROVED")) {
                p.lines().forEach((sku, q) -> approvedQuantity.merge(sku, (long) q, Long::sum));
                approvedCredit.merge(p.customerId(), order.getLong("totalCents"), Long::sum);
                assertThat(order.getLong("totalCents")).isEqualTo(1_000L * p.lines().get(mugs) + 700L * p.lines().get(cups));
            } else {
                reasons.add(order.getString("rejectionReason"));
                assertRejectedHoldsNothing(p.orderId());
            }
        }

        assertThat(approvedQuantity.getOrDefault(mugs, 0L)).isPositive();
        assertThat(reasons).as("the burst asked for more than there is").isNotEmpty()
                .containsAnyOf("OUT_OF_STOCK", "CREDIT_LIMIT_EXCEEDED");
        assertThat(reasons).isSubsetOf("OUT_OF_STOCK", "CREDIT_LIMIT_EXCEEDED", "PAYMENT_DECLINED");
        for (String sku : List.of(mugs, cups)) {
            long initial = sku.equals(mugs) ? 25 : 40;
            JsonPath product = Api.product(sku);
            assertThat(product.getLong("available")).isEqualTo(initial - approvedQuantity.getOrDefault(sku, 0L))
                    .isGreaterThanOrEqualTo(0);
            assertThat(product.getLong("reserved")).isEqualTo(approvedQuantity.getOrDefault(sku, 0L));
        }
        for (String customer : customers) {
            assertThat(availableCredit(customer))
                    .isEqualTo(limits.get(customer) - approvedCredit.getOrDefault(customer, 0L))
                    .isGreaterThanOrEqualTo(0);
        }
    }

    private void assertRejectedHoldsNothing(String orderId) {
        Invariants.rejectedOrderHoldsNothing(new Db(dataSource), orderId);
        gateway.authorization("demo:" + orderId)
                .ifPresent(a -> assertThat(a.state()).isEqualTo(PaymentGatewaySimulator.State.VOIDED));
    }
}
