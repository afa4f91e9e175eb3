package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.quarkus.arc.profile.IfBuildProfile;

/**
 * Ready once the gateway has its routes and the engine its state machines. The datasource and
 * Redis checks that Quarkus adds stand beside this one, so ready means every part is up.
 */
@Readiness
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalRuntimeReadiness implements HealthCheck {

    private final LocalGateway gateway;
    private final LocalStepFunctions engine;

    LocalRuntimeReadiness(LocalGateway gateway, LocalStepFunctions engine) {
        this.gateway = gateway;
        this.engine = engine;
    }

    @Override
    public HealthCheckResponse call() {
        var routes = gateway.routeKeys();
        var machines = engine.stateMachineArns();
        return HealthCheckResponse.named("sagaline-local-runtime")
                .status(!routes.isEmpty() && !machines.isEmpty())
                .withData("routes", routes.size())
                .withData("stateMachines", String.join(",", machines))
                .build();
    }
}
