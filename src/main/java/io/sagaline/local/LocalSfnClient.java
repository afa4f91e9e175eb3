package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.local.asl.Execution;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionRequest;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.InvalidExecutionInputException;
import software.amazon.awssdk.services.sfn.model.InvalidNameException;
import software.amazon.awssdk.services.sfn.model.SfnException;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;
import software.amazon.awssdk.services.sfn.model.StartExecutionResponse;
import software.amazon.awssdk.services.sfn.model.StateMachineDoesNotExistException;

/**
 * The AWS SDK v2 {@link SfnClient} interface, answered by the local engine: the code that starts
 * sagas is the code that runs in AWS, only the client behind the interface differs.
 */
public class LocalSfnClient implements SfnClient {

    private final LocalStepFunctions engine;

    LocalSfnClient(LocalStepFunctions engine) {
        this.engine = engine;
    }

    @Override
    public StartExecutionResponse startExecution(StartExecutionRequest request) {
        try {
            Execution execution = engine.start(request.stateMachineArn(), request.name(), request.input());
            return StartExecutionResponse.builder().executionArn(execution.arn()).startDate(execution.startDate()).build();
        } catch (LocalStepFunctions.Refused e) {
            throw switch (e.code()) {
                case "ExecutionAlreadyExists" -> ExecutionAlreadyExistsException.builder().message(e.getMessage()).build();
                case "StateMachineDoesNotExist" -> StateMachineDoesNotExistException.builder().message(e.getMessage()).build();
                case "InvalidName" -> InvalidNameException.builder().message(e.getMessage()).build();
                case "InvalidExecutionInput" -> InvalidExecutionInputException.builder().message(e.getMessage()).build();
                default -> SfnException.builder().message(e.getMessage()).build();
            };
        }
    }

    @Override
    public DescribeExecutionResponse describeExecution(DescribeExecutionRequest request) {
        Execution execution = engine.execution(request.executionArn()).orElseThrow(() -> ExecutionDoesNotExistException
                .builder().message("Execution Does Not Exist: '" + request.executionArn() + "'").build());
        return DescribeExecutionResponse.builder()
                .executionArn(execution.arn()).stateMachineArn(execution.stateMachineArn()).name(execution.name())
                .status(ExecutionStatus.fromValue(execution.status().name())).startDate(execution.startDate())
                .stopDate(execution.stopDate()).input(execution.input().toString())
                .output(execution.output() == null ? null : execution.output().toString())
                .error(execution.error()).cause(execution.cause()).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }

    @IfBuildProfile(anyOf = { "dev", "test" })
    static class Producer {
        @Produces
        @ApplicationScoped
        SfnClient localSfn(LocalStepFunctions engine) {
            return new LocalSfnClient(engine);
        }
    }
}
