package io.sagaline.platform.messaging;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;

import io.sagaline.platform.Catalog;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The catalog's queues by name: which receive an event type, and their URLs. In AWS Terraform
 * sets each URL ({@code SAGALINE_QUEUES_<NAME>_URL}); without one the URL is looked up by name.
 */
@ApplicationScoped
public class Queues {

    private final Catalog catalog;
    private final SqsClient sqs;
    private final Map<String, String> urls = new ConcurrentHashMap<>();

    Queues(Catalog catalog, SqsClient sqs) {
        this.catalog = catalog;
        this.sqs = sqs;
    }

    public Catalog catalog() {
        return catalog;
    }

    /** The queues an event of {@code type} goes to. */
    public List<Catalog.Queue> subscribers(String type) {
        return catalog.subscribers(type);
    }

    public String url(String name) {
        return urls.computeIfAbsent(name, n -> ConfigProvider.getConfig()
                .getOptionalValue("sagaline.queues." + n + ".url", String.class)
                .orElseGet(() -> sqs.getQueueUrl(r -> r.queueName(n)).queueUrl()));
    }
}
