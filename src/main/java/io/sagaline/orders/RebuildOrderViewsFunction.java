package io.sagaline.orders;

import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * An operator's command ({@code aws lambda invoke --function-name rebuild-order-views}): folds
 * every order's stream again and rewrites its view, while orders go on being served.
 */
@Named("rebuild-order-views")
public class RebuildOrderViewsFunction implements RequestHandler<Map<String, Object>, RebuildOrderViewsFunction.Rebuilt> {

    public record Rebuilt(int orders) {
    }

    @Inject
    OrderProjection projection;

    @Override
    public Rebuilt handleRequest(Map<String, Object> input, Context context) {
        return new Rebuilt(projection.rebuild());
    }
}
