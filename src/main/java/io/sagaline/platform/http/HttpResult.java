package io.sagaline.platform.http;

import java.util.Map;

/** What an HTTP operation answers: status, extra headers and a body to serialise as JSON. */
public record HttpResult(int status, Map<String, String> headers, Object body) {

    public static HttpResult ok(Object body) {
        return new HttpResult(200, Map.of(), body);
    }

    public static HttpResult created(String location, Object body) {
        return new HttpResult(201, Map.of("location", location), body);
    }

    public static HttpResult accepted(String location, Object body) {
        return new HttpResult(202, Map.of("location", location), body);
    }
}
