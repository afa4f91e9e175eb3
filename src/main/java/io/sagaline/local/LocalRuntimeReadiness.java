package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.quarkus.arc.profile.IfBuildProfile;

/**
 * Ready once the gateway has its routes, the queues exist and the engine has its state machines. The datasource and
 * Redis checks that Quarkus adds stand beside this one, so ready means every part is up.
 */
@Readiness
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalRuntimeReadiness implements HealthCheck {

    private final LocalGateway gateway;
    private final LocalStepFunctions engine;
    private final LocalQueues queues;

    LocalRuntimeReadiness(LocalGateway gateway, LocalStepFunctions engine, LocalQueues queues) {
        this.gateway = gateway;
        this.engine = engine;
        this.queues = queues;
    }

    @Override
    public HealthCheckResponse call() {
        var routes = gateway.routeKeys();
        var machines = engine.stateMachineArns();
        var queueNames = queues.queueNames();
        return HealthCheckResponse.named("sagaline-local-runtime")
                .status(!routes.isEmpty() && !machines.isEmpty() && queueNames.size() == queues.declared())
                .withData("routes", routes.size())
                .withData("stateMachines", String.join(",", machines))
                .withData("queues", queueNames.size())
                .withData("sqs", ConfigProvider.getConfig().getValue("sagaline.local.sqs.endpoint", String.class))
                .build();
    }
}
