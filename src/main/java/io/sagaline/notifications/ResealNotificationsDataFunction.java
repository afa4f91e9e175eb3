package io.sagaline.notifications;

import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * Scheduled (and an operator's command after a master key change): seals the notifications'
 * personal data still in clear and re-wraps their data keys under the current master key.
 */
@Named("reseal-notifications-data")
public class ResealNotificationsDataFunction
        implements RequestHandler<Map<String, Object>, NotificationResealing.Resealed> {

    @Inject
    NotificationResealing resealing;

    @Override
    public NotificationResealing.Resealed handleRequest(Map<String, Object> event, Context context) {
        return resealing.reseal();
    }
}
