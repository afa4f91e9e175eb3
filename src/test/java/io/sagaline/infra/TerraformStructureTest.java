package io.sagaline.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Terraform as HashiCorp's HCL parser reads it (not regexes): in the root module every
 * resource and module that exists once per function, route, queue, consumer, schedule or state
 * machine iterates over the catalog module, and the few that exist once per deployment are named
 * here, so nothing is provisioned that the catalog does not declare; every queue consumer reports
 * partial batch failures; no IAM statement grants {@code *} where AWS offers an ARN; the provider
 * is pinned; every variable is typed and described.
 */
class TerraformStructureTest {

    private static final String ROOT = "infra-terraform/main.tf";
    /** The root files whose resources exist per catalog item (the others hold the deployment's network, data and edge). */
    private static final List<String> PER_ITEM_FILES = List.of(ROOT, "infra-terraform/observability.tf");
    /**
     * Once per deployment, by design: the catalog itself, the HTTP API, its stage and its authorizer
     * (the one the catalog names) with its permission, the alarm topic, the dashboard.
     */
    private static final Set<String> SINGLETONS = Set.of("module.catalog", "aws_apigatewayv2_api.http",
            "aws_apigatewayv2_stage.default", "aws_apigatewayv2_authorizer.api_key", "aws_lambda_permission.authorizer",
            "aws_sns_topic.alarms", "aws_sns_topic_subscription.alarm_email",
            "aws_cloudwatch_metric_alarm.api_5xx", "aws_cloudwatch_dashboard.this", "aws_cloudwatch_log_group.api_access",
            "aws_cloudwatch_metric_alarm.technical_rejections", "aws_cloudwatch_metric_alarm.payment_circuit_open");
    /** Statements that may name {@code *}: AWS has no resource ARN for these actions (log delivery, X-Ray). */
    private static final Set<String> NO_ARN_ACTIONS = Set.of("xray:PutTraceSegments", "xray:PutTelemetryRecords",
            "xray:GetSamplingRules", "xray:GetSamplingTargets", "logs:CreateLogDelivery", "logs:GetLogDelivery",
            "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies", "logs:DescribeLogGroups");

    private static JsonNode files;

    @BeforeAll
    static void parse() throws Exception {
        Process process = new ProcessBuilder("bash", "infra-terraform/tools/hcl2json.sh")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("hcl2json").isZero();
        files = new ObjectMapper().readTree(new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void everyPerItemResourceOfTheRootModule_iteratesOverTheCatalog() {
        List<String> checked = new ArrayList<>();
        for (String file : PER_ITEM_FILES) {
            JsonNode root = files.path(file);
            root.path("resource").fields().forEachRemaining(type -> type.getValue().fields().forEachRemaining(block -> {
                String address = type.getKey() + "." + block.getKey();
                checked.add(address);
                if (!SINGLETONS.contains(address)) {
                    assertThat(block.getValue().get(0).path("for_each").asText()).as(address + " iterates over the catalog")
                            .contains("module.catalog.");
                }
            }));
            root.path("module").fields().forEachRemaining(block -> {
                String address = "module." + block.getKey();
                checked.add(address);
                if (!SINGLETONS.contains(address)) {
                    assertThat(block.getValue().get(0).path("for_each").asText()).as(address + " iterates over the catalog")
                            .contains("module.catalog.");
                }
            });
            root.path("data").fields().forEachRemaining(type -> type.getValue().fields().forEachRemaining(block -> {
                String address = "data." + type.getKey() + "." + block.getKey();
                String forEach = block.getValue().get(0).path("for_each").asText("");
                assertThat(forEach.isEmpty() || forEach.contains("module.catalog.")).as(address).isTrue();
            }));
        }
        assertThat(checked).contains("module.function", "module.preparer", "module.queue",
                "aws_lambda_event_source_mapping.consumer",
                "aws_apigatewayv2_route.function", "aws_sfn_state_machine.saga", "aws_scheduler_schedule.function",
                "aws_cloudwatch_metric_alarm.dead_letters", "aws_cloudwatch_metric_alarm.failed_executions",
                "aws_cloudwatch_metric_alarm.function_errors", "aws_cloudwatch_metric_alarm.outbox_not_draining");
        assertThat(files.path(ROOT).path("module").path("catalog").get(0).path("catalog_path").asText())
                .endsWith("/../functions/catalog.json");
        // The per-service resources of the other files iterate over the catalog's services.
        assertThat(files.path("infra-terraform/database.tf").path("locals").toString()).contains("module.catalog.services");
        files.path("infra-terraform/database.tf").path("resource").fields().forEachRemaining(type -> type.getValue().fields()
                .forEachRemaining(block -> {
                    String forEach = block.getValue().get(0).path("for_each").asText("");
                    assertThat(forEach.isEmpty() || forEach.contains("local.services") || forEach.contains("module.catalog."))
                            .as(type.getKey() + "." + block.getKey()).isTrue();
                }));
    }

    /**
     * The execution status changes reach their queue as AWS documents it: a rule on the default bus for the
     * "Step Functions Execution Status Change" events of the catalog's state machines, the queue its target (its
     * dead-letter queue the target's), and EventBridge allowed to send to the queues and to use their key for that
     * rule only.
     */
    @Test
    void theExecutionStatusChanges_ofTheCatalogsMachines_goToTheirQueue_sentByThatRuleOnly() {
        JsonNode events = files.path("infra-terraform/events.tf");
        JsonNode rule = events.path("resource").path("aws_cloudwatch_event_rule").path("execution_status").get(0);
        String pattern = rule.path("event_pattern").asText();
        assertThat(pattern).contains("\"aws.states\"").contains("Step Functions Execution Status Change")
                .contains("aws_sfn_state_machine.saga");
        JsonNode target = events.path("resource").path("aws_cloudwatch_event_target").path("execution_status").get(0);
        assertThat(target.path("rule").asText()).contains("aws_cloudwatch_event_rule.execution_status");
        assertThat(target.path("arn").asText()).isEqualTo("${each.value.arn}");
        assertThat(target.path("dead_letter_config").get(0).path("arn").asText()).isEqualTo("${each.value.dead_letter_arn}");
        assertThat(events.path("module").path("execution_events_queue").get(0).path("for_each").asText())
                .contains("module.catalog.execution_events");
        JsonNode send = events.path("data").path("aws_iam_policy_document").path("execution_events_queue").get(0)
                .path("statement").get(0);
        assertThat(send.path("actions")).extracting(JsonNode::asText).containsExactly("sqs:SendMessage");
        assertThat(send.path("principals").get(0).path("identifiers")).extracting(JsonNode::asText)
                .containsExactly("events.amazonaws.com");
        assertThat(send.path("condition").get(0).path("variable").asText()).isEqualTo("aws:SourceArn");
        assertThat(send.path("condition").get(0).path("values").toString())
                .contains("aws_cloudwatch_event_rule.execution_status");
        assertThat(events.path("resource").path("aws_sqs_queue_policy").size()).isEqualTo(2);
        JsonNode key = files.path("infra-terraform/kms.tf").path("data").path("aws_iam_policy_document").path("queues_key")
                .get(0);
        assertThat(key.path("statement").toString()).contains("EventBridgeSendsExecutionEvents")
                .contains("local.execution_status_rule_arn");
        assertThat(events.path("locals").toString()).contains(":rule/${local.name_prefix}-execution-status");
        assertThat(rule.path("name").asText()).isEqualTo("${local.name_prefix}-execution-status");
        assertThat(files.path("infra-terraform/observability.tf").path("resource").path("aws_cloudwatch_metric_alarm")
                .path("dead_letters").get(0).path("for_each").asText()).as("its dead-letter queue alarms as the others do")
                .contains("module.catalog.queues").contains("module.catalog.execution_events");
    }

    @Test
    void everyQueueConsumerReportsPartialBatchFailures() {
        JsonNode mappings = files.path(ROOT).path("resource").path("aws_lambda_event_source_mapping");
        assertThat(mappings.size()).isEqualTo(1);
        mappings.fields().forEachRemaining(m -> assertThat(m.getValue().get(0).path("function_response_types"))
                .extracting(JsonNode::asText).containsExactly("ReportBatchItemFailures"));
    }

    @Test
    void noIamStatementGrantsEverything_whereAwsOffersAnArn() {
        files.fields().forEachRemaining(file -> file.getValue().path("data").path("aws_iam_policy_document").fields()
                .forEachRemaining(doc -> doc.getValue().get(0).path("statement").forEach(statement -> {
                    List<String> resources = new ArrayList<>();
                    statement.path("resources").forEach(r -> resources.add(r.asText()));
                    if (resources.contains("*")) {
                        assertThat(statement.path("actions")).extracting(JsonNode::asText)
                                .as(file.getKey() + " " + doc.getKey())
                                .isSubsetOf(NO_ARN_ACTIONS);
                    }
                })));
        files.fields().forEachRemaining(file -> assertThat(file.getValue().toString()).as(file.getKey())
                .doesNotContain("\"Resource\":\"*\"").doesNotContain("\"Action\":\"*\""));
    }

    @Test
    void theProviderIsPinned_andEveryVariableIsTypedAndDescribed() {
        JsonNode providers = files.path("infra-terraform/versions.tf").path("terraform").get(0).path("required_providers")
                .get(0);
        assertThat(providers.size()).isPositive();
        providers.fields().forEachRemaining(p -> assertThat(p.getValue().path("version").asText())
                .as("an exact version of provider " + p.getKey()).matches("= \\d+\\.\\d+\\.\\d+"));
        files.fields().forEachRemaining(file -> file.getValue().path("variable").fields().forEachRemaining(v -> {
            JsonNode block = v.getValue().get(0);
            assertThat(block.path("type").asText()).as(file.getKey() + " var." + v.getKey() + " type").isNotEmpty();
            assertThat(block.path("description").asText()).as(file.getKey() + " var." + v.getKey() + " description")
                    .isNotBlank();
        }));
        assertThat(Map.of("root", files.path("infra-terraform/variables.tf").path("variable").path("environment").get(0)
                .path("validation").size())).containsEntry("root", 1);
    }
}
