package io.sagaline.platform;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * The time the functions read where time decides an answer (which campaigns are live), as a bean:
 * a test moves it with {@code QuarkusMock.installMockForType(clock, Clock.class)} instead of waiting.
 */
public class ClockProducer {

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
