package io.sagaline.notifications;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ses.SesClient;

/**
 * Which {@link NotificationSender} runs: {@code sagaline.notifications.channel=ses} (in AWS: Amazon
 * SES, from {@code sagaline.notifications.from}, a verified identity) or {@code record} (locally:
 * the notification table is the record of what would have been sent).
 */
@ApplicationScoped
public class NotificationSenders {

    @Produces
    @ApplicationScoped
    NotificationSender sender(@ConfigProperty(name = "sagaline.notifications.channel", defaultValue = "ses") String channel,
            @ConfigProperty(name = "sagaline.notifications.from", defaultValue = "orders@example.com") String from) {
        return switch (channel) {
            case "ses" -> new Ses(SesClient.builder().httpClient(UrlConnectionHttpClient.create()).build(), from);
            case "record" -> new Recorded();
            default -> throw new IllegalStateException("sagaline.notifications.channel must be ses or record, not " + channel);
        };
    }

    /** Amazon SES (the SendEmail API). */
    static final class Ses implements NotificationSender {
        private final SesClient ses;
        private final String from;

        Ses(SesClient ses, String from) {
            this.ses = ses;
            this.from = from;
        }

        @Override
        public String send(Outgoing n) {
            return ses.sendEmail(r -> r.source(from).destination(d -> d.toAddresses(n.recipient()))
                    .message(m -> m.subject(c -> c.data(n.subject()).charset("UTF-8"))
                            .body(b -> b.text(c -> c.data(n.body()).charset("UTF-8")))))
                    .messageId();
        }

        @Override
        public String deliveredStatus() {
            return "SENT";
        }
    }

    /** Sends nothing: the notification's row is the record. */
    static final class Recorded implements NotificationSender {
        @Override
        public String send(Outgoing n) {
            return "recorded-" + UUID.randomUUID();
        }

        @Override
        public String deliveredStatus() {
            return "RECORDED";
        }
    }
}
