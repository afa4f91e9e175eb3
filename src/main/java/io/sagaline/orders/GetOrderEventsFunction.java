package io.sagaline.orders;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code GET /orders/{orderId}/events}: the order's event stream, oldest first. */
@HttpContract(response = GetOrderEventsFunction.Stream.class)
@Named("get-order-events")
public class GetOrderEventsFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    public record EventView(UUID eventId, int version, String type, Instant occurredAt, JsonNode data) {
    }

    public record Stream(String orderId, List<EventView> events) {
    }

    @Inject
    HttpApi http;
    @Inject
    OrderService orders;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("orderId");
            List<OrderEvent> events = orders.events(request.actor(), id);
            if (events.isEmpty()) {
                throw ApiException.notFound("order", id);
            }
            return HttpResult.ok(new Stream(id.toLowerCase(), events.stream()
                    .map(e -> new EventView(e.id(), e.version(), e.type(), e.occurredAt(), e.data())).toList()));
        });
    }
}
