package io.sagaline.customers;

import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * Scheduled (and an operator's command after a master key change): seals the customers' personal
 * data still in clear and re-wraps their data keys under the current master key.
 */
@Named("reseal-customers-data")
public class ResealCustomersDataFunction implements RequestHandler<Map<String, Object>, CustomerResealing.Resealed> {

    @Inject
    CustomerResealing resealing;

    @Override
    public CustomerResealing.Resealed handleRequest(Map<String, Object> event, Context context) {
        return resealing.reseal();
    }
}
