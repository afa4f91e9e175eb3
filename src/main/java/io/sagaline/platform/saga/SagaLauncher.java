package io.sagaline.platform.saga;

import java.util.Optional;

import io.opentelemetry.context.Context;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Traces;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;

/**
 * Starts executions of one state machine through the Step Functions API: in AWS a real execution,
 * locally the embedded interpreter. Executions are named by the caller, so starting one again
 * with the same name is the same execution.
 */
public class SagaLauncher {

    private final SfnClient sfn;
    private final String machine;
    private final Optional<String> configuredArn;
    private final Metrics metrics;

    /**
     * {@code arn} is {@code sagaline.state-machines.<machine>.arn}. In AWS only the functions whose
     * catalog entry starts or redrives the machine are given it, and every other function must
     * still start: so it is asked for when used, not when this bean is made.
     */
    public SagaLauncher(SfnClient sfn, String machine, Optional<String> arn, Metrics metrics) {
        this.sfn = sfn;
        this.metrics = metrics;
        this.machine = machine;
        this.configuredArn = arn;
    }

    private String stateMachineArn() {
        return configuredArn.orElseThrow(() -> new IllegalStateException("no ARN of state machine " + machine
                + " (sagaline.state-machines." + machine + ".arn): does this function's catalog entry declare it?"));
    }

    /** The ARN Step Functions gives the execution named {@code name}, known before it starts. */
    public String executionArn(String name) {
        return stateMachineArn().replace(":stateMachine:", ":execution:") + ":" + name;
    }

    /** StartExecution in the caller's trace (X-Ray's header: Step Functions goes on in it); counted when it started one. */
    private void startExecution(String name, String input) {
        sfn.startExecution(StartExecutionRequest.builder().stateMachineArn(stateMachineArn()).name(name).input(input)
                .traceHeader(Traces.xrayHeader(Context.current())).build());
        metrics.sagaStarted(machine);
    }

    /** Starts the execution; an execution of the same name means it was started before. */
    public void start(String name, String input) {
        try {
            startExecution(name, input);
        } catch (ExecutionAlreadyExistsException e) {
            // Started before (this is a replay): the saga is already under way or done.
        }
    }

    /**
     * Starts the execution, or, if one of that name ended without succeeding (failed, timed out,
     * aborted), redrives it from where it stopped: how a request that asks again for a saga
     * whose execution got stuck makes it go on.
     */
    public void startOrRedrive(String name, String input) {
        try {
            startExecution(name, input);
        } catch (ExecutionAlreadyExistsException e) {
            String arn = executionArn(name);
            ExecutionStatus status = sfn.describeExecution(r -> r.executionArn(arn)).status();
            if (status == ExecutionStatus.FAILED || status == ExecutionStatus.TIMED_OUT || status == ExecutionStatus.ABORTED) {
                sfn.redriveExecution(r -> r.executionArn(arn));
            }
        }
    }
}
