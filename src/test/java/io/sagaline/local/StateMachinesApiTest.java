package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.LocalAws;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ConflictException;
import software.amazon.awssdk.services.sfn.model.CreateStateMachineResponse;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.DescribeStateMachineAliasResponse;
import software.amazon.awssdk.services.sfn.model.DescribeStateMachineResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.InvalidArnException;
import software.amazon.awssdk.services.sfn.model.InvalidDefinitionException;
import software.amazon.awssdk.services.sfn.model.InvalidNameException;
import software.amazon.awssdk.services.sfn.model.LogLevel;
import software.amazon.awssdk.services.sfn.model.MissingRequiredParameterException;
import software.amazon.awssdk.services.sfn.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sfn.model.RoutingConfigurationListItem;
import software.amazon.awssdk.services.sfn.model.StateMachineAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.StateMachineDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sfn.model.Tag;
import software.amazon.awssdk.services.sfn.model.TooManyTagsException;
import software.amazon.awssdk.services.sfn.model.UpdateStateMachineResponse;
import software.amazon.awssdk.services.sfn.model.ValidationException;

/**
 * A team's own state machines through the AWS SDK's SfnClient, as it manages them on AWS: created,
 * described, updated and deleted, published as versions, routed to by aliases, tagged; every refusal
 * with AWS's error code. Each test makes machines of its own names.
 */
@QuarkusTest
class StateMachinesApiTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @AfterAll
    static void close() {
        SFN.close();
    }

    /** A machine whose output says which revision ran it. */
    private static String says(String word) {
        return """
                {"Comment": "says %s",
                 "StartAt": "Say",
                 "States": {"Say": {"Type": "Pass", "Result": {"said": "%s"}, "End": true}}}""".formatted(word, word);
    }

    /** A machine that waits an hour, then says {@code word}: an execution that is still running while a test acts. */
    private static String waitsThenSays(String word) {
        return """
                {"StartAt": "Hold",
                 "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Say"},
                            "Say": {"Type": "Pass", "Result": {"said": "%s"}, "End": true}}}""".formatted(word);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static CreateStateMachineResponse create(String name, String definition) {
        return SFN.createStateMachine(r -> r.name(name).definition(definition).roleArn(ROLE));
    }

    /** Starts an execution on {@code arn} and answers it once it ended. */
    private static DescribeExecutionResponse run(String arn) {
        String execution = SFN.startExecution(r -> r.stateMachineArn(arn).input("{}")).executionArn();
        await().atMost(Duration.ofSeconds(20)).until(
                () -> SFN.describeExecution(r -> r.executionArn(execution)).status() != ExecutionStatus.RUNNING);
        return SFN.describeExecution(r -> r.executionArn(execution));
    }

    @Test
    void aCreatedMachine_isDescribedAsGiven_listed_andRuns() {
        String name = unique("orders-team");
        String definition = says("hello");
        CreateStateMachineResponse created = create(name, definition);

        assertThat(created.stateMachineArn()).isEqualTo("arn:aws:states:us-east-1:000000000000:stateMachine:" + name);
        assertThat(created.stateMachineVersionArn()).isNull();
        DescribeStateMachineResponse described = SFN.describeStateMachine(r -> r.stateMachineArn(created.stateMachineArn()));
        assertThat(described.name()).isEqualTo(name);
        assertThat(described.definition()).isEqualTo(definition); // the text as given, not re-serialised
        assertThat(described.roleArn()).isEqualTo(ROLE);
        assertThat(described.type()).isEqualTo(StateMachineType.STANDARD);
        assertThat(described.statusAsString()).isEqualTo("ACTIVE");
        assertThat(described.creationDate()).isEqualTo(created.creationDate());
        assertThat(described.revisionId()).as("none until its first change, as in AWS").isNull();
        assertThat(described.encryptionConfiguration().typeAsString()).isEqualTo("AWS_OWNED_KEY");
        assertThat(described.loggingConfiguration().level()).isEqualTo(LogLevel.OFF);
        assertThat(described.loggingConfiguration().includeExecutionData()).isFalse();
        assertThat(described.tracingConfiguration().enabled()).isFalse();
        assertThat(SFN.listStateMachinesPaginator(r -> r.maxResults(1)).stateMachines().stream()
                .map(m -> m.stateMachineArn())).contains(created.stateMachineArn())
                .contains("arn:aws:states:us-east-1:000000000000:stateMachine:place-order");

        DescribeExecutionResponse execution = run(created.stateMachineArn());
        assertThat(execution.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(execution.output()).isEqualTo("{\"said\":\"hello\"}");
        assertThat(execution.stateMachineVersionArn()).isNull();
        assertThat(SFN.describeStateMachineForExecution(r -> r.executionArn(execution.executionArn())).definition())
                .contains("says hello");
    }

    @Test
    void creatingTheSameMachineAgain_answersTheOneThere_andAnotherDefinitionUnderItsName_isRefused() {
        String name = unique("twice");
        CreateStateMachineResponse first = create(name, says("one"));
        CreateStateMachineResponse again = SFN.createStateMachine(
                r -> r.name(name).definition(says("one")).roleArn("arn:aws:iam::000000000000:role/another-role"));

        assertThat(again.stateMachineArn()).isEqualTo(first.stateMachineArn());
        assertThat(again.creationDate()).isEqualTo(first.creationDate());
        assertThat(SFN.describeStateMachine(r -> r.stateMachineArn(first.stateMachineArn())).roleArn())
                .as("a repeat's role is ignored, as AWS ignores it").isEqualTo(ROLE);
        assertThatThrownBy(() -> create(name, says("two"))).isInstanceOf(StateMachineAlreadyExistsException.class)
                .hasMessageContaining("State Machine Already Exists: '" + first.stateMachineArn() + "'");
        assertThatThrownBy(() -> create("place-order", says("mine")))
                .as("the catalog's names are taken").isInstanceOf(StateMachineAlreadyExistsException.class);
    }

    @Test
    void creation_refusesWhatAwsRefuses_withItsErrorCodes() {
        assertThatThrownBy(() -> create(unique("broken"), "{\"StartAt\": \"Nowhere\", \"States\": {}}"))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageStartingWith("Invalid State Machine Definition: '");
        assertThatThrownBy(() -> create(unique("broken"), "{\"StartAt\": \"A\"}"))
                .isInstanceOf(InvalidDefinitionException.class).hasMessageStartingWith(
                        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'");
        assertThatThrownBy(() -> create(unique("broken"), """
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"""))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("MISSING_TRANSITION_TARGET").hasMessageContaining("/States/A/Next");
        assertThatThrownBy(() -> create(unique("broken"), "not json")).isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("INVALID_JSON_DESCRIPTION");
        assertThatThrownBy(() -> create("has space", says("x"))).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("Invalid Name: 'has space'");
        assertThatThrownBy(() -> create("x".repeat(81), says("x"))).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> SFN.createStateMachine(r -> r.name(unique("role")).definition(says("x"))
                .roleArn("not-a-role"))).isInstanceOf(InvalidArnException.class)
                .hasMessageContaining("Invalid Role Arn: 'not-a-role'");
        assertThatThrownBy(() -> SFN.createStateMachine(r -> r.name(unique("logs")).definition(says("x")).roleArn(ROLE)
                .loggingConfiguration(l -> l.level(LogLevel.ALL))))
                .isInstanceOf(software.amazon.awssdk.services.sfn.model.InvalidLoggingConfigurationException.class);
        assertThatThrownBy(() -> SFN.createStateMachine(r -> r.name(unique("description")).definition(says("x"))
                .roleArn(ROLE).versionDescription("v1 without publishing"))).isInstanceOf(ValidationException.class)
                .hasMessageContaining("Version description can only be set when publish is true");
    }

    @Test
    void anUpdate_changesWhatNewExecutionsRun_notThoseRunning() {
        String arn = create(unique("updated"), waitsThenSays("before")).stateMachineArn();

        String running = SFN.startExecution(r -> r.stateMachineArn(arn)).executionArn();

        UpdateStateMachineResponse updated = SFN.updateStateMachine(r -> r.stateMachineArn(arn).definition(says("after")));

        assertThat(updated.revisionId()).isNotNull();
        assertThat(SFN.updateStateMachine(r -> r.stateMachineArn(arn).definition(says("after"))).revisionId())
                .as("an update that changes nothing keeps the revision").isEqualTo(updated.revisionId());
        assertThat(updated.stateMachineVersionArn()).isNull();
        DescribeStateMachineResponse described = SFN.describeStateMachine(r -> r.stateMachineArn(arn));
        assertThat(described.definition()).isEqualTo(says("after"));
        assertThat(described.revisionId()).isEqualTo(updated.revisionId());
        assertThat(SFN.describeStateMachineForExecution(r -> r.executionArn(running)).definition())
                .as("the running execution keeps the definition it started with").contains("\"Hold\"");
        assertThat(run(arn).output()).isEqualTo("{\"said\":\"after\"}");
        SFN.stopExecution(r -> r.executionArn(running));

        assertThatThrownBy(() -> SFN.updateStateMachine(r -> r.stateMachineArn(arn)))
                .isInstanceOf(MissingRequiredParameterException.class).hasMessageContaining("Either the definition, the role"
                        + " ARN, the LoggingConfiguration, or the TracingConfiguration must be specified");
        assertThatThrownBy(() -> SFN.updateStateMachine(r -> r.stateMachineArn(arn).definition("{\"States\": {}}")))
                .isInstanceOf(InvalidDefinitionException.class);
        assertThat(SFN.describeStateMachine(r -> r.stateMachineArn(arn)).definition())
                .as("a refused update changes nothing").isEqualTo(says("after"));
        assertThatThrownBy(() -> SFN.updateStateMachine(r -> r.stateMachineArn(arn + "-gone").definition(says("x"))))
                .isInstanceOf(StateMachineDoesNotExistException.class);
        assertThatThrownBy(() -> SFN.updateStateMachine(r -> r
                .stateMachineArn("arn:aws:states:us-east-1:000000000000:stateMachine:place-order").definition(says("x"))))
                .as("the catalog's machines change through the catalog").isInstanceOf(ValidationException.class);
    }

    @Test
    void aDeletedMachine_isGone_butItsRunningExecutionGoesOnAndIsStillDescribed() {
        String arn = create(unique("deleted"), waitsThenSays("still here")).stateMachineArn();
        String running = SFN.startExecution(r -> r.stateMachineArn(arn)).executionArn();

        SFN.deleteStateMachine(r -> r.stateMachineArn(arn));

        assertThatThrownBy(() -> SFN.describeStateMachine(r -> r.stateMachineArn(arn)))
                .isInstanceOf(StateMachineDoesNotExistException.class)
                .hasMessageContaining("State Machine Does Not Exist: '" + arn + "'");
        assertThatThrownBy(() -> SFN.startExecution(r -> r.stateMachineArn(arn)))
                .isInstanceOf(StateMachineDoesNotExistException.class);
        assertThat(SFN.listStateMachinesPaginator(r -> r.maxResults(1000)).stateMachines().stream()
                .map(m -> m.stateMachineArn())).doesNotContain(arn);
        assertThat(SFN.describeExecution(r -> r.executionArn(running)).status()).isEqualTo(ExecutionStatus.RUNNING);
        assertThat(SFN.describeStateMachineForExecution(r -> r.executionArn(running)).definition()).contains("still here");
        SFN.deleteStateMachine(r -> r.stateMachineArn(arn)); // deleting again is no error
        SFN.stopExecution(r -> r.executionArn(running));
    }

    @Test
    void versions_keepTheirRevision_numberUpward_andRunWhatTheyHeld() {
        String arn = create(unique("versioned"), says("v1")).stateMachineArn();
        String v1 = SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn).description("first")).stateMachineVersionArn();
        String same = SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn).description("first"))
                .stateMachineVersionArn();
        UpdateStateMachineResponse updated = SFN
                .updateStateMachine(
                        r -> r.stateMachineArn(arn).definition(says("v2")).publish(true).versionDescription("second"));
        String v2Revision = updated.revisionId();

        assertThat(v1).isEqualTo(arn + ":1");
        assertThat(same).as("the same revision published twice is one version").isEqualTo(v1);
        assertThat(updated.stateMachineVersionArn()).isEqualTo(arn + ":2");
        assertThat(SFN.listStateMachineVersions(r -> r.stateMachineArn(arn)).stateMachineVersions())
                .extracting(v -> v.stateMachineVersionArn()).containsExactly(arn + ":2", arn + ":1");
        DescribeStateMachineResponse version1 = SFN.describeStateMachine(r -> r.stateMachineArn(v1));
        assertThat(version1.stateMachineArn()).isEqualTo(v1);
        assertThat(version1.definition()).isEqualTo(says("v1"));
        assertThat(version1.description()).isEqualTo("first");
        assertThat(version1.revisionId()).as("published from the first revision, which has none").isNull();
        assertThat(SFN.describeStateMachine(r -> r.stateMachineArn(arn + ":2")).revisionId()).isEqualTo(v2Revision);

        DescribeExecutionResponse onV1 = run(v1);
        assertThat(onV1.output()).isEqualTo("{\"said\":\"v1\"}");
        assertThat(onV1.stateMachineArn()).isEqualTo(arn);
        assertThat(onV1.stateMachineVersionArn()).isEqualTo(v1);
        assertThat(onV1.executionArn()).startsWith(arn.replace(":stateMachine:", ":execution:") + ":");
        assertThat(run(arn).output()).isEqualTo("{\"said\":\"v2\"}");
        assertThat(SFN.describeStateMachineForExecution(r -> r.executionArn(onV1.executionArn())).stateMachineArn())
                .isEqualTo(arn);
        assertThat(SFN.listExecutions(r -> r.stateMachineArn(v1)).executions()).singleElement()
                .satisfies(e -> assertThat(e.stateMachineVersionArn()).isEqualTo(v1));
        assertThat(SFN.listExecutions(r -> r.stateMachineArn(arn)).executions()).hasSize(2);

        String v3Revision = SFN.updateStateMachine(r -> r.stateMachineArn(arn).definition(says("v3"))).revisionId();
        assertThatThrownBy(() -> SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn).revisionId(v2Revision)))
                .isInstanceOf(ConflictException.class).hasMessageContaining("Failed to publish the State Machine version for"
                        + " revision " + v2Revision + ". The current State Machine revision is " + v3Revision + ".");
        assertThatThrownBy(() -> SFN.updateStateMachine(r -> r.stateMachineArn(v1).definition(says("x"))))
                .as("a version is not updated").isInstanceOf(StateMachineDoesNotExistException.class);
        SFN.deleteStateMachineVersion(r -> r.stateMachineVersionArn(arn + ":2"));
        assertThatThrownBy(() -> SFN.describeStateMachine(r -> r.stateMachineArn(arn + ":2")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn)).stateMachineVersionArn())
                .as("a deleted version's number is not reused").isEqualTo(arn + ":3");
    }

    @Test
    void anAlias_routesExecutionsToItsVersions_andProtectsThemFromDeletion() {
        String arn = create(unique("aliased"), says("blue")).stateMachineArn();
        String blue = SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn)).stateMachineVersionArn();
        String green = SFN.updateStateMachine(r -> r.stateMachineArn(arn).definition(says("green")).publish(true))
                .stateMachineVersionArn();
        String alias = SFN.createStateMachineAlias(r -> r.name("live").description("what shops use")
                .routingConfiguration(route(blue, 100))).stateMachineAliasArn();

        assertThat(alias).isEqualTo(arn + ":live");
        DescribeExecutionResponse onAlias = run(alias);
        assertThat(onAlias.output()).isEqualTo("{\"said\":\"blue\"}");
        assertThat(onAlias.stateMachineAliasArn()).isEqualTo(alias);
        assertThat(onAlias.stateMachineVersionArn()).isEqualTo(blue);

        SFN.updateStateMachineAlias(r -> r.stateMachineAliasArn(alias).routingConfiguration(route(green, 100)));
        DescribeStateMachineAliasResponse described = SFN.describeStateMachineAlias(r -> r.stateMachineAliasArn(alias));
        assertThat(described.name()).isEqualTo("live");
        assertThat(described.description()).isEqualTo("what shops use");
        assertThat(described.routingConfiguration()).singleElement()
                .satisfies(rc -> assertThat(rc.stateMachineVersionArn()).isEqualTo(green));
        assertThat(run(alias).output()).isEqualTo("{\"said\":\"green\"}");
        assertThat(SFN.listExecutions(r -> r.stateMachineArn(alias)).executions()).hasSize(2)
                .allSatisfy(e -> assertThat(e.stateMachineAliasArn()).isEqualTo(alias));
        assertThat(SFN.listStateMachineAliases(r -> r.stateMachineArn(arn)).stateMachineAliases())
                .extracting(a -> a.stateMachineAliasArn()).containsExactly(alias);

        // a canary split: over 64 executions, both versions run (each half the time)
        SFN.updateStateMachineAlias(r -> r.stateMachineAliasArn(alias).routingConfiguration(route(blue, 50),
                route(green, 50)));
        List<String> ran = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ran.add(SFN.startExecution(r -> r.stateMachineArn(alias)).executionArn());
        }
        assertThat(ran.stream().map(e -> SFN.describeExecution(r -> r.executionArn(e)).stateMachineVersionArn()))
                .contains(blue, green);

        assertThatThrownBy(() -> SFN.deleteStateMachineVersion(r -> r.stateMachineVersionArn(green)))
                .isInstanceOf(ConflictException.class).hasMessageContaining("Version to be deleted must not be referenced"
                        + " by an alias. Current list of aliases referencing this version: [live]");
        SFN.deleteStateMachineAlias(r -> r.stateMachineAliasArn(alias));
        assertThatThrownBy(() -> SFN.describeStateMachineAlias(r -> r.stateMachineAliasArn(alias)))
                .isInstanceOf(ResourceNotFoundException.class);
        SFN.deleteStateMachineVersion(r -> r.stateMachineVersionArn(green));
        assertThat(SFN.listStateMachineVersions(r -> r.stateMachineArn(arn)).stateMachineVersions())
                .extracting(v -> v.stateMachineVersionArn()).containsExactly(blue);
    }

    @Test
    void aliasRoutings_areRefusedAsAwsRefusesThem() {
        String arn = create(unique("routing"), says("one")).stateMachineArn();
        String v1 = SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn)).stateMachineVersionArn();
        String other = create(unique("other"), says("other")).stateMachineArn();
        String otherV1 = SFN.publishStateMachineVersion(r -> r.stateMachineArn(other)).stateMachineVersionArn();

        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("half").routingConfiguration(route(v1, 50))))
                .as("weights add up to 100").isInstanceOf(ValidationException.class)
                .hasMessageContaining("Sum of routing configuration weights must equal 100. Received: [50]");
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("twice").routingConfiguration(route(v1, 50),
                route(v1, 50)))).isInstanceOf(ValidationException.class).hasMessageContaining(
                        "Routing configuration must contain distinct state machine version ARNs. Received: [" + v1 + ", " + v1
                                + "]");
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("heavy").routingConfiguration(route(v1, 101))))
                .isInstanceOf(ValidationException.class).hasMessageContaining("1 validation error detected: Value '101' at"
                        + " 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less"
                        + " than or equal to 100");
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("mixed").routingConfiguration(route(v1, 50),
                route(otherV1, 50)))).as("versions of one machine").isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("machine").routingConfiguration(route(arn, 100))))
                .as("a version, not the machine").isInstanceOf(ValidationException.class).hasMessageContaining(
                        "Routing configuration must contain state machine version ARNs. Received: [" + arn + "]");
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("nine")
                .routingConfiguration(route(arn + ":9", 100)))).isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("123").routingConfiguration(route(v1, 100))))
                .as("a number would read as a version").isInstanceOf(ValidationException.class).hasMessageContaining(
                        "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy"
                                + " regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$");
        String alias = SFN.createStateMachineAlias(r -> r.name("prod").routingConfiguration(route(v1, 100)))
                .stateMachineAliasArn();
        assertThat(SFN.createStateMachineAlias(r -> r.name("prod").routingConfiguration(route(v1, 100)))
                .stateMachineAliasArn()).as("the same alias again").isEqualTo(alias);
        String v2 = SFN.updateStateMachine(r -> r.stateMachineArn(arn).definition(says("two")).publish(true))
                .stateMachineVersionArn();
        assertThatThrownBy(() -> SFN.createStateMachineAlias(r -> r.name("prod").routingConfiguration(route(v2, 100))))
                .isInstanceOf(ConflictException.class).hasMessageContaining("Failed to create alias because an alias with the"
                        + " same name and a different routing configuration already exists.");
        SFN.deleteStateMachineAlias(r -> r.stateMachineAliasArn(alias));
        assertThatThrownBy(() -> SFN.updateStateMachineAlias(r -> r.stateMachineAliasArn(alias).description("gone")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Request references a resource that does not exist.");
        assertThatThrownBy(() -> SFN.startExecution(r -> r.stateMachineArn(arn + ":nothing")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    private static RoutingConfigurationListItem route(String versionArn, int weight) {
        return RoutingConfigurationListItem.builder().stateMachineVersionArn(versionArn).weight(weight).build();
    }

    @Test
    void tags_areKeptWithTheMachine_addedReplacedAndRemoved() {
        String arn = SFN.createStateMachine(r -> r.name(unique("tagged")).definition(says("x")).roleArn(ROLE)
                .tags(Tag.builder().key("team").value("orders").build())).stateMachineArn();

        SFN.tagResource(r -> r.resourceArn(arn).tags(Tag.builder().key("team").value("payments").build(),
                Tag.builder().key("cost-centre").value("42").build()));
        assertThat(SFN.listTagsForResource(r -> r.resourceArn(arn)).tags())
                .extracting(t -> t.key() + "=" + t.value()).containsExactly("cost-centre=42", "team=payments");
        SFN.untagResource(r -> r.resourceArn(arn).tagKeys("cost-centre", "absent"));
        assertThat(SFN.listTagsForResource(r -> r.resourceArn(arn)).tags())
                .extracting(t -> t.key() + "=" + t.value()).containsExactly("team=payments");

        List<Tag> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(Tag.builder().key("k" + i).value("v").build());
        }
        assertThatThrownBy(() -> SFN.tagResource(r -> r.resourceArn(arn).tags(many)))
                .as("50 new ones and the one there").isInstanceOf(TooManyTagsException.class);
        assertThatThrownBy(() -> SFN.listTagsForResource(r -> r.resourceArn(arn + "-nobody")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Resource not found: '" + arn + "-nobody'");
        String version = SFN.publishStateMachineVersion(r -> r.stateMachineArn(arn)).stateMachineVersionArn();
        assertThatThrownBy(() -> SFN.tagResource(r -> r.resourceArn(version).tags(Tag.builder().key("k").value("v").build())))
                .as("a version is not tagged, as in AWS").isInstanceOf(ResourceNotFoundException.class);
        SFN.deleteStateMachine(r -> r.stateMachineArn(arn));
        SFN.createStateMachine(r -> r.name(arn.substring(arn.lastIndexOf(':') + 1)).definition(says("x")).roleArn(ROLE));
        assertThat(SFN.listTagsForResource(r -> r.resourceArn(arn)).tags())
                .as("a machine created again under a deleted one's name has none of its tags").isEmpty();
    }
}
