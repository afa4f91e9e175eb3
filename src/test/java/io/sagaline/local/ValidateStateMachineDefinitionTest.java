package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.LocalAws;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.SfnException;
import software.amazon.awssdk.services.sfn.model.ValidateStateMachineDefinitionDiagnostic;
import software.amazon.awssdk.services.sfn.model.ValidateStateMachineDefinitionResponse;
import software.amazon.awssdk.services.sfn.model.ValidateStateMachineDefinitionResultCode;
import software.amazon.awssdk.services.sfn.model.ValidateStateMachineDefinitionSeverity;

/**
 * ValidateStateMachineDefinition through the AWS SDK's SfnClient, answered as AWS answers it: result OK with no
 * diagnostics, or FAIL with the engine's refusal as AWS's diagnostic (severity, code, message, location). The
 * expected texts are those LocalStack recorded from AWS (test_sfn_api_validation.snapshot.json).
 */
@QuarkusTest
class ValidateStateMachineDefinitionTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");

    @AfterAll
    static void close() {
        SFN.close();
    }

    private static ValidateStateMachineDefinitionResponse validate(String definition) {
        return SFN.validateStateMachineDefinition(r -> r.definition(definition));
    }

    private static ValidateStateMachineDefinitionDiagnostic only(ValidateStateMachineDefinitionResponse response) {
        assertThat(response.result()).isEqualTo(ValidateStateMachineDefinitionResultCode.FAIL);
        assertThat(response.truncated()).isFalse();
        assertThat(response.diagnostics()).hasSize(1);
        ValidateStateMachineDefinitionDiagnostic d = response.diagnostics().get(0);
        assertThat(d.severity()).isEqualTo(ValidateStateMachineDefinitionSeverity.ERROR);
        return d;
    }

    @Test
    void aValidDefinition_isOkWithNoDiagnostics() {
        ValidateStateMachineDefinitionResponse response = validate("""
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}""");
        assertThat(response.result()).isEqualTo(ValidateStateMachineDefinitionResultCode.OK);
        assertThat(response.diagnostics()).isEmpty();
        assertThat(response.truncated()).isFalse();
    }

    @Test
    void anEmptyObject_namesBothRequiredFields_atTheRoot() {
        ValidateStateMachineDefinitionDiagnostic d = only(validate("{}"));
        assertThat(d.code()).isEqualTo("SCHEMA_VALIDATION_FAILED");
        assertThat(d.message()).isEqualTo("These fields are required: [States, StartAt]");
        assertThat(d.location()).isEqualTo("/");
    }

    @Test
    void anEmptyString_isNotAJsonObject_withoutALocation() {
        ValidateStateMachineDefinitionDiagnostic d = only(validate(""));
        assertThat(d.code()).isEqualTo("SCHEMA_VALIDATION_FAILED");
        assertThat(d.message()).isEqualTo("Definition must be a valid JSON object");
        assertThat(d.location()).isNull();
    }

    @Test
    void textThatIsNotJson_isAnInvalidJsonDescription_locatedAsJacksonLocatesIt() {
        ValidateStateMachineDefinitionDiagnostic d = only(validate("not a definition"));
        assertThat(d.code()).isEqualTo("INVALID_JSON_DESCRIPTION");
        // AWS's recording says column 4 (after the token): its Jackson is older than ours, which points at the token.
        assertThat(d.message()).isEqualTo("Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or"
                + " token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 1]");
        assertThat(d.location()).isEqualTo("[Source: (String)\"not a definition\"; line: 1, column: 1]");
    }

    @Test
    void aJsonPathStateInAJsonataMachine_isRefusedAtTheState() {
        ValidateStateMachineDefinitionDiagnostic d = only(validate("""
                {"QueryLanguage": "JSONata", "StartAt": "Pass",
                 "States": {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}"""));
        assertThat(d.code()).isEqualTo("SCHEMA_VALIDATION_FAILED");
        assertThat(d.message()).isEqualTo("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
        assertThat(d.location()).isEqualTo("/States/Pass");
    }

    @Test
    void aTransitionOutOfABranch_isAMissingTarget_locatedInsideTheBranch() {
        ValidateStateMachineDefinitionDiagnostic d = only(validate("""
                {"StartAt": "P", "States": {
                  "P": {"Type": "Parallel", "Next": "After", "Branches": [
                    {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Next": "After"}}}]},
                  "After": {"Type": "Succeed"}}}"""));
        assertThat(d.code()).isEqualTo("MISSING_TRANSITION_TARGET");
        assertThat(d.message()).isEqualTo("Missing 'Next' target: After");
        assertThat(d.location()).isEqualTo("/States/P/Branches/0/States/B1/Next");
    }

    @Test
    void withoutADefinition_orWithAnUnknownType_theRequestIsRefused() {
        assertThatThrownBy(() -> SFN.validateStateMachineDefinition(r -> r.type("STANDARD")))
                .isInstanceOfSatisfying(SfnException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.statusCode()).isEqualTo(400);
                });
        assertThatThrownBy(() -> SFN.validateStateMachineDefinition(r -> r.definition("{}").type("BATCH")))
                .isInstanceOfSatisfying(SfnException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
    }
}
