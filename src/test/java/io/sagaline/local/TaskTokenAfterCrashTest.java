package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.DevChild;
import io.sagaline.support.LocalAws;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A task token outlives the process that gave it: a state machine created here is started in a child
 * JVM (another engine process on the same database), whose Task sends its token on a queue and waits;
 * the child is killed (SIGKILL); the token, answered with SendTaskSuccess to this process, takes the
 * execution over and it ends with the answer. The machine itself, created through this process's API,
 * is found by the child in the store: machines are durable like executions.
 */
@QuarkusTest
class TaskTokenAfterCrashTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    SqsClient sqs;

    @Test
    void aTokenGivenByAnEngineKilledSince_isAnsweredByTheNextOne_andItsExecutionEndsWithTheAnswer() throws Exception {
        String queue = sqs.createQueue(r -> r.queueName("crash-bank-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        try (SfnClient here = LocalAws.sfn("local", "local")) {
            String machine = here.createStateMachine(r -> r.name("confirm-after-crash-" + UUID.randomUUID()
                    .toString().substring(0, 8)).roleArn("arn:aws:iam::000000000000:role/team").definition("""
                            {"StartAt": "AwaitBank", "States": {"AwaitBank": {"Type": "Task",
                              "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                              "Parameters": {"QueueUrl": "%s", "MessageBody": {"taskToken.$": "$$.Task.Token"}},
                              "ResultPath": "$.bank", "End": true}}}""".formatted(queue))).stateMachineArn();

            DevChild child = DevChild.start("token-crash-child", "sagaline.local.queues.poll=false");
            String execution;
            List<Message> messages;
            try (SfnClient there = SfnClient.builder().endpointOverride(URI.create(child.url()))
                    .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .build()) {
                execution = there.startExecution(r -> r.stateMachineArn(machine).input("{\"orderId\": \"o-9\"}"))
                        .executionArn();
                // the token is on the queue once the child committed its wait and sent it
                messages = await().atMost(Duration.ofSeconds(30)).until(
                        () -> sqs.receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(1)).messages(), m -> !m.isEmpty());
            } finally {
                child.killNine();
            }
            String token = JSON.readTree(messages.get(0).body()).path("taskToken").asText();

            here.sendTaskSuccess(r -> r.taskToken(token).output("{\"confirmed\": true}"));

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> here.describeExecution(r -> r.executionArn(execution)).status() != ExecutionStatus.RUNNING);
            var ended = here.describeExecution(r -> r.executionArn(execution));
            assertThat(ended.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(ended.output()).isEqualTo("{\"orderId\":\"o-9\",\"bank\":{\"confirmed\":true}}");
            assertThat(here.getExecutionHistory(r -> r.executionArn(execution)).events())
                    .filteredOn(e -> e.typeAsString().equals("TaskSubmitted")).as("the message was sent once").hasSize(1);
        }
    }
}
