package io.sagaline.platform.saga;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.opentelemetry.context.Context;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.observability.Traces;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.StartSyncExecutionResponse;
import software.amazon.awssdk.services.sfn.model.SyncExecutionStatus;

/**
 * Runs an EXPRESS state machine with StartSyncExecution and gives its output: in AWS a real
 * execution (on the {@code sync-states} endpoint, which the SDK picks), locally the embedded
 * interpreter. For a read the caller waits for, inside an HTTP function's time: an execution that
 * fails or times out, and a Step Functions that cannot be reached, are a {@code 503} with
 * {@code Retry-After}, since nothing was changed and asking again is safe.
 */
public class SyncWorkflow {

    private static final Logger LOG = Logger.getLogger(SyncWorkflow.class);

    private final SfnClient sfn;
    private final String machine;
    private final Optional<String> configuredArn;
    private final Duration callTimeout;

    /**
     * {@code arn} is {@code sagaline.state-machines.<machine>.arn}, asked for when used (as
     * {@link SagaLauncher}'s); {@code callTimeout} bounds the call, a little longer than the
     * machine's own TimeoutSeconds and shorter than the calling function's timeout.
     */
    public SyncWorkflow(SfnClient sfn, String machine, Optional<String> arn, Duration callTimeout) {
        this.sfn = sfn;
        this.machine = machine;
        this.configuredArn = arn;
        this.callTimeout = callTimeout;
    }

    private String stateMachineArn() {
        return configuredArn.orElseThrow(() -> new IllegalStateException("no ARN of state machine " + machine
                + " (sagaline.state-machines." + machine + ".arn): does this function's catalog entry declare it?"));
    }

    /** The output of a SUCCEEDED execution on {@code input}; any other end is a 503 naming the machine. */
    public String run(String input) {
        StartSyncExecutionResponse response;
        try {
            response = sfn.startSyncExecution(r -> r.stateMachineArn(stateMachineArn()).input(input)
                    .traceHeader(Traces.xrayHeader(Context.current()))
                    .overrideConfiguration(c -> c.apiCallTimeout(callTimeout).apiCallAttemptTimeout(callTimeout)));
        } catch (SdkException e) {
            LOG.errorf("StartSyncExecution of %s failed: %s", machine, e.toString());
            throw unavailable("Step Functions could not run it (" + e.getMessage() + ")");
        }
        if (response.status() != SyncExecutionStatus.SUCCEEDED) {
            LOG.errorf("the %s execution %s ended %s: %s: %s", machine, response.executionArn(), response.status(),
                    response.error(), response.cause());
            throw unavailable("its execution ended " + response.status() + " (" + response.error() + ")");
        }
        return response.output();
    }

    private ApiException unavailable(String why) {
        return new ApiException(503, "workflow-unavailable", "Service unavailable",
                machine + " could not be answered now: " + why + "; nothing was changed, send the request again",
                null, Map.of("Retry-After", "1"));
    }
}
