package io.sagaline.orders;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Api;

/**
 * An order placed, approved and cancelled logs what happened, not the persistence layer's
 * complaints: no warning of Hibernate's session at all (every transaction used to log
 * HHH90010101 and HHH90010108, 22 of the 30 lines of a happy-path order).
 */
@QuarkusTest
class QuietLogTest {

    @Test
    void anOrderPlacedApprovedAndCancelled_logsNoWarningOfHibernatesSession() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler collector = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue() && record.getLoggerName() != null
                        && record.getLoggerName().startsWith("org.hibernate")) {
                    warnings.add(record.getLoggerName() + ": " + record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(collector);
        try {
            String orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(500, 5), 1);
            assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");
            Api.demo().post("/orders/" + orderId + "/cancel").then().statusCode(202);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> "CANCELLED".equals(Api.status(orderId)));
        } finally {
            root.removeHandler(collector);
        }
        assertThat(warnings).isEmpty();
    }
}
