package io.sagaline.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.spi.Bean;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import io.quarkus.arc.Arc;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.Catalog;

/**
 * The catalog is the one place a function is declared: every entry has its handler and every
 * handler its entry; HTTP entries take the API Gateway event; every task placeholder of a state
 * machine names a task function of that machine and every task function is used by one.
 */
@QuarkusTest
class CatalogConsistencyTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    @Inject
    LocalFunctions functions;

    @Test
    void everyCatalogEntryHasExactlyItsNamedHandler_andEveryHandlerAnEntry() {
        Catalog catalog = functions.catalog();
        Set<String> handlers = Arc.container().beanManager()
                .getBeans(Object.class, new jakarta.enterprise.util.AnnotationLiteral<jakarta.enterprise.inject.Any>() {
                }).stream().filter(b -> RequestHandler.class.isAssignableFrom(b.getBeanClass()))
                .map(Bean::getName).collect(Collectors.toSet());

        assertThat(handlers).isEqualTo(catalog.functions().stream().map(Catalog.Function::name).collect(Collectors.toSet()));
        assertThat(catalog.functions()).extracting(Catalog.Function::name).doesNotHaveDuplicates();
        for (Catalog.Function f : catalog.functions()) {
            assertThat(f.service()).isIn("customers", "inventory", "payments", "orders", "invoices", "notifications",
                    "campaigns", "access", "audit", "webhooks", "platform");
            assertThat(f.audit()).as(f.name() + "'s rights on the audit log").isSubsetOf("append", "read");
            assertThat(f.memoryMb()).isBetween(128, 10240);
            assertThat(f.timeoutSeconds()).isBetween(1, 900);
            assertThat(f.trigger().type()).isIn("http", "task", "queue", "schedule", "invoke", "authorizer");
            Class<?> handler = Arc.container().instance(f.name()).getBean().getBeanClass();
            assertThat(handler.getAnnotation(Named.class).value()).isEqualTo(f.name());
            boolean takesHttp = LocalFunctions.inputType(handler) == APIGatewayV2HTTPEvent.class;
            assertThat(takesHttp).as(f.name() + " takes the API Gateway v2 event exactly when HTTP-triggered")
                    .isEqualTo(f.trigger().isHttp());
            boolean takesSqs = LocalFunctions.inputType(handler) == SQSEvent.class;
            assertThat(takesSqs).as(f.name() + " takes the SQS event exactly when queue-triggered")
                    .isEqualTo(f.trigger().isQueue());
        }
    }

    @Test
    void httpRoutesAreUniqueAndWellFormed() {
        List<Catalog.Function> http = functions.catalog().functions().stream().filter(f -> f.trigger().isHttp()).toList();
        assertThat(http).extracting(f -> f.trigger().routeKey()).doesNotHaveDuplicates();
        assertThat(http).allSatisfy(f -> {
            assertThat(f.trigger().method()).isIn("GET", "POST", "PUT", "PATCH", "DELETE");
            assertThat(f.trigger().path()).matches("(/[a-z]+(-[a-z]+)*|/\\{[a-zA-Z]+})+");
            if (f.trigger().isPublic()) {
                // a route without a key (a valet link's) has no scope, and reads only what its link names
                assertThat(f.trigger().scope()).as(f.name() + " is public: no scope").isNull();
                assertThat(f.trigger().method()).as(f.name() + " is public: read-only").isEqualTo("GET");
            } else {
                assertThat(functions.catalog().scopes()).as(f.name() + "'s scope is one the catalog declares")
                        .containsKey(f.trigger().scope());
            }
        });
        assertThat(functions.catalog().scopes().keySet()).as("every declared scope is some route's")
                .allSatisfy(s -> assertThat(http).anySatisfy(f -> assertThat(f.trigger().scope()).isEqualTo(s)))
                .allSatisfy(s -> assertThat(s).matches("[a-z]+:(read|write)"));
    }

    @Test
    void theAuthorizer_isTheOneFunctionTriggeredAsOne_andTakesApiGatewaysAuthorizerEvent() {
        Catalog catalog = functions.catalog();
        assertThat(catalog.functions()).filteredOn(f -> f.trigger().type().equals("authorizer"))
                .extracting(Catalog.Function::name).containsExactly(catalog.authorizer().function());
        assertThat(catalog.authorizer().header()).isEqualTo("x-api-key");
        assertThat(catalog.authorizer().resultTtlSeconds()).isBetween(0, 3600); // API Gateway's range
        Class<?> handler = Arc.container().instance(catalog.authorizer().function()).getBean().getBeanClass();
        assertThat(LocalFunctions.inputType(handler))
                .isEqualTo(com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent.class);
    }

    @Test
    void stateMachinePlaceholdersAndTaskFunctionsMatchExactly() {
        Catalog catalog = functions.catalog();
        for (Catalog.StateMachine machine : catalog.stateMachines()) {
            Set<String> placeholders = new HashSet<>();
            Matcher m = PLACEHOLDER.matcher(Catalog.readText(machine.resource()));
            while (m.find()) {
                placeholders.add(m.group(1));
            }
            Set<String> tasks = catalog.functions().stream()
                    .filter(f -> "task".equals(f.trigger().type()) && f.trigger().stateMachines().contains(machine.name()))
                    .map(Catalog.Function::arnPlaceholder).collect(Collectors.toSet());
            assertThat(placeholders).as(machine.name() + " placeholders = its task functions").isEqualTo(tasks);
        }
        assertThat(catalog.functions()).filteredOn(f -> "task".equals(f.trigger().type()))
                .allSatisfy(f -> assertThat(catalog.stateMachines()).extracting(Catalog.StateMachine::name)
                        .containsAll(f.trigger().stateMachines()).isNotEmpty());
    }

    @Test
    void everyQueueHasOneConsumer_aDeadLetterQueue_andLimitsLambdaAccepts_andEveryEventItTakesHasAPublisher() {
        Catalog catalog = functions.catalog();
        Set<String> names = new HashSet<>();
        for (Catalog.Queue queue : catalog.queues()) {
            assertThat(names.add(queue.name())).as("queue names are unique").isTrue();
            assertThat(names.add(queue.deadLetterQueue())).as("a dead-letter queue is its queue's own").isTrue();
            List<Catalog.Function> consumers = catalog.functions().stream()
                    .filter(f -> f.trigger().isQueue() && queue.name().equals(f.trigger().queue())).toList();
            assertThat(consumers).as("consumers of " + queue.name()).hasSize(1);
            assertThat(queue.batchSize()).as("an SQS receive takes 1 to 10").isBetween(1, 10);
            assertThat(queue.maxReceiveCount()).isBetween(1, 1000);
            assertThat(queue.maximumConcurrency()).as("an event source mapping's maximum concurrency").isBetween(2, 1000);
            assertThat(queue.visibilityTimeoutSeconds()).as("Lambda wants the visibility timeout >= the function timeout")
                    .isGreaterThanOrEqualTo(consumers.get(0).timeoutSeconds()).isLessThanOrEqualTo(43_200);
            if (queue.events().isEmpty()) {
                // a queue of cues, not events (webhooks-deliveries): some function sends to it
                assertThat(catalog.functions()).as("senders to " + queue.name())
                        .anyMatch(f -> f.permissions() != null && f.permissions().get("sendsTo") instanceof List<?> l
                                && l.contains(queue.name()));
                continue;
            }
            assertThat(queue.events()).as("events of " + queue.name()).isNotEmpty().allSatisfy(type -> assertThat(
                    catalog.functions().stream()
                            .filter(f -> f.permissions() != null && f.permissions().get("publishes") instanceof List<?> l
                                    && l.contains(type)))
                    .as("publishers of " + type).isNotEmpty());
        }
        assertThat(catalog.functions()).filteredOn(f -> f.trigger().isQueue())
                .allSatisfy(f -> assertThat(names).contains(f.trigger().queue()));
        assertThat(catalog.functions()).filteredOn(f -> f.trigger().isSchedule())
                .allSatisfy(f -> assertThat(f.trigger().rate()).isPositive());
    }
}
