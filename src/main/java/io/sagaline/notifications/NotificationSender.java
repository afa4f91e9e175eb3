package io.sagaline.notifications;

/** Delivers a notification to its recipient; answers the provider's message id. */
public interface NotificationSender {

    record Outgoing(String recipient, String subject, String body) {
    }

    String send(Outgoing notification);

    /** The status a delivered notification takes: SENT, or RECORDED where nothing leaves the system. */
    String deliveredStatus();
}
