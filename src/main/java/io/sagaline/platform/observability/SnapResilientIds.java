package io.sagaline.platform.observability;

import java.security.SecureRandom;

import jakarta.inject.Singleton;

import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * Trace and span ids from {@link SecureRandom}, not OpenTelemetry's default ThreadLocalRandom: with
 * SnapStart (the JVM build, infra-terraform) every sandbox restored from one snapshot would start
 * from the same random state and make the same ids; Lambda's Java runtimes reseed SecureRandom on
 * restore. Quarkus uses this bean as the tracer provider's id generator.
 */
@Singleton
public class SnapResilientIds implements IdGenerator {

    private final SecureRandom random = new SecureRandom();

    @Override
    public String generateSpanId() {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return SpanId.fromLong(id);
    }

    @Override
    public String generateTraceId() {
        long high;
        long low;
        do {
            high = random.nextLong();
            low = random.nextLong();
        } while (high == 0 && low == 0);
        return TraceId.fromLongs(high, low);
    }
}
