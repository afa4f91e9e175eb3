package io.sagaline.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.Catalog;
import io.sagaline.platform.database.PrepareDatabaseFunction;

/**
 * Terraform's own answer for {@code infra-terraform/modules/catalog} (the module every per-item
 * resource iterates over), evaluated offline: it has no provider, so {@code terraform apply} on a
 * local state computes its outputs. The inputs are a made-up deployment: its account, region,
 * name prefix and the ARNs of its secrets.
 */
public final class TerraformCatalogModule {

    public static final String PREFIX = "sagaline-test";
    public static final String ACCOUNT = "123456789012";
    public static final String REGION = "eu-west-1";
    public static final String SES = "arn:aws:ses:eu-west-1:123456789012:identity/orders@example.com";
    public static final String ADMIN_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b2c-AbCdEf";
    public static final String CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sagaline-test/cache-Qq7Rr6";

    public static final String PERSONAL_DATA_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

    public static final String TOKEN_KEY = "arn:aws:kms:eu-west-1:123456789012:key/7a6b5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d";

    public static final String VALET_LINK_KEY = "arn:aws:kms:eu-west-1:123456789012:key/5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TerraformCatalogModule() {
    }

    /** The ARN of a service's database secret in this made-up deployment. */
    public static String secretArn(String service) {
        return "arn:aws:secretsmanager:" + REGION + ":" + ACCOUNT + ":secret:" + PREFIX + "/database/" + service + "-x1Y2z3";
    }

    public static Catalog catalog() throws Exception {
        return JSON.convertValue(JSON.readTree(new File("functions/catalog.json")), Catalog.class);
    }

    /** The module's outputs ({@code terraform output -json}), its working files under {@code work}. */
    public static JsonNode evaluate(Path work) throws Exception {
        Catalog catalog = catalog();
        work = work.toAbsolutePath();
        Files.createDirectories(work);
        String module = "infra-terraform/modules/catalog";
        terraform(work, "-chdir=" + module, "init", "-backend=false", "-input=false", "-no-color");
        terraform(work, "-chdir=" + module, "apply", "-auto-approve", "-input=false", "-no-color",
                "-state=" + work.resolve("catalog.tfstate"),
                "-var", "catalog_path=" + Path.of("functions/catalog.json").toAbsolutePath(),
                "-var", "name_prefix=" + PREFIX, "-var", "partition=aws", "-var", "region=" + REGION,
                "-var", "account_id=" + ACCOUNT, "-var", "ses_identity_arn=" + SES,
                "-var", "database_admin_secret_arn=" + ADMIN_SECRET,
                "-var", "cache_secret_arn=" + CACHE_SECRET,
                "-var", "personal_data_key_arns=[\"" + PERSONAL_DATA_KEY + "\"]",
                "-var", "token_key_arns=[\"" + TOKEN_KEY + "\"]",
                "-var", "valet_link_key_arns=[\"" + VALET_LINK_KEY + "\"]",
                "-var", "database_secret_arns=" + PrepareDatabaseFunction.schemaServices(catalog).stream()
                        .map(s -> s + "=\"" + secretArn(s) + "\"").collect(Collectors.joining(",", "{", "}")));
        return JSON
                .readTree(terraform(work, "-chdir=" + module, "output", "-json", "-state=" + work.resolve("catalog.tfstate")));
    }

    private static String terraform(Path work, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("terraform"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        builder.environment().put("TF_DATA_DIR", work.resolve(".terraform").toString());
        builder.environment().put("TF_IN_AUTOMATION", "1");
        builder.environment().put("CHECKPOINT_DISABLE", "1");
        Process process = builder.start();
        byte[] stdout = process.getInputStream().readAllBytes();
        byte[] stderr = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + new String(stdout, StandardCharsets.UTF_8)
                    + new String(stderr, StandardCharsets.UTF_8));
        }
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
