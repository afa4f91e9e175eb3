package io.sagaline.console;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.support.Api;

/**
 * The console in a real browser: the system's Chromium (Debian's chromium and chromium-driver,
 * which .ci/run installs), headless, started by the test. Its pages render; an approved and a
 * rejected order show their saga with each state's outcome on it, why it was rejected and what was
 * compensated, their events, invoice and trace down to the invoice's consumer; Stop and Redrive
 * work from the execution's page. It saves a screenshot of each page it checks in
 * target/console-screenshots (the README's pictures are those).
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    private static ChromeDriver browser;

    @Inject
    LocalStepFunctions stepFunctions;

    @BeforeAll
    static void startBrowser() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && System.getenv("SAGALINE_BROWSER_REQUIRED") != null) {
            throw new IllegalStateException("no Chromium at " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install chromium chromium-driver (.ci/run does)");
        }
        Assumptions.assumeTrue(present, "the console's browser tests need Debian's chromium and chromium-driver "
                + "(apt-get install chromium chromium-driver); .ci/run installs them");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1400,1800", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theConsolesPages_render() {
        open("#/machines");
        assertThat(texts("ul.machines li a")).contains("place-order", "cancel-order");
        open("#/machine/" + LocalStepFunctions.stateMachineArn("place-order"));
        waitFor("svg.graph .node[data-state='ReserveStock']");
        assertThat(browser.findElements(By.cssSelector("svg.graph .node"))).hasSizeGreaterThanOrEqualTo(20);
        assertThat(browser.findElements(By.cssSelector("svg.graph path.edge-catch"))).isNotEmpty();
        screenshot("state-machine");

        open("#/queues");
        waitFor("table.queues tr[data-queue='invoices-order-approved']");
        assertThat(texts("table.queues tr[data-queue] td:first-child")).contains("invoices-order-approved",
                "notifications-order-outcomes");
        screenshot("queues");

        String orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(400, 3), 1);
        awaitDecided(orderId);
        open("#/executions?machine=" + LocalStepFunctions.stateMachineArn("place-order") + "&status=SUCCEEDED");
        waitFor("table.executions tr[data-execution$='" + orderId + "']");
        assertThat(browser.findElement(By.cssSelector("tr[data-execution$='" + orderId + "'] .badge")).getText())
                .isEqualTo("SUCCEEDED");
        screenshot("executions");
    }

    @Test
    void anApprovedOrder_showsItsSagaSucceeded_itsEventsInvoiceAndTraceToTheInvoicesConsumer() {
        String orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(400, 3), 2);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Api.statusCode("/orders/" + orderId + "/invoice") == 200);

        openOrder(orderId, ".waterfall li[data-name='issue-invoice process']");
        assertThat(browser.findElement(By.cssSelector(".order h2 .badge")).getText()).isEqualTo("APPROVED");
        assertThat(outcomes()).containsEntry("CheckOrder", "succeeded").containsEntry("ReserveStock", "succeeded")
                .containsEntry("ReserveCredit", "succeeded").containsEntry("AuthorizePayment", "succeeded")
                .containsEntry("ApproveOrder", "succeeded").containsEntry("ReleaseStock", "none")
                .containsEntry("RejectOrder", "none");
        assertThat(texts(".order-events li .type")).containsExactly("OrderPlaced", "OrderApproved");
        assertThat(browser.findElement(By.cssSelector(".invoice")).getText()).contains("8.00");
        assertThat(texts(".messages li")).anyMatch(m -> m.startsWith("OrderApproved publish"))
                .anyMatch(m -> m.startsWith("issue-invoice process"));
        assertThat(browser.findElements(By.cssSelector(".waterfall li[data-name='POST /orders']"))).isNotEmpty();
        screenshot("approved-order");
    }

    @Test
    void aRejectedOrder_showsWhereAndWhyItWasRejected_andWhatWasCompensated() {
        String orderId = Api.placeOrder(newCustomer(100), "tok_ok", newProduct(500, 3), 1);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("REJECTED");

        openOrder(orderId, ".saga svg .node[data-state='ReserveStock'][data-outcome='compensated']");
        assertThat(browser.findElement(By.cssSelector(".order .reason")).getText()).isEqualTo("CREDIT_LIMIT_EXCEEDED");
        Map<String, String> outcomes = outcomes();
        assertThat(outcomes).containsEntry("CheckOrder", "succeeded").containsEntry("ReserveStock", "compensated")
                .containsEntry("ReserveCredit", "caught").containsEntry("RejectedCreditLimitExceeded", "succeeded")
                .containsEntry("ReleaseCredit", "compensation").containsEntry("ReleaseStock", "compensation")
                .containsEntry("RejectOrder", "compensation").containsEntry("AuthorizePayment", "none")
                .containsEntry("ApproveOrder", "none");
        assertThat(browser.findElement(By.cssSelector(".saga svg .node[data-state='ReserveCredit'] .type")).getText())
                .isEqualTo("CreditLimitExceeded");
        assertThat(texts(".order-events li .type")).containsExactly("OrderPlaced", "OrderRejected");
        assertThat(browser.findElement(By.cssSelector(".order")).getText()).contains("No invoice");
        screenshot("rejected-order");

        // the execution's own page says why, in words
        browser.findElement(By.cssSelector(".saga a")).click();
        waitFor(".execution .why li");
        assertThat(browser.findElement(By.cssSelector(".execution .why")).getText()).contains("ReserveCredit",
                "CreditLimitExceeded");
        assertThat(texts(".timeline li .type")).contains("ExecutionStarted", "LambdaFunctionFailed", "ExecutionSucceeded");
        screenshot("rejected-execution");
    }

    @Test
    void stopAndRedrive_workFromTheExecutionsPage() throws Exception {
        String name = "console-waits-" + UUID.randomUUID().toString().substring(0, 8);
        String machine = stepFunctions.register(name, new ObjectMapper().readTree("""
                {"StartAt": "Hold", "States": {
                  "Hold": {"Type": "Wait", "Seconds": 20, "Next": "Done"},
                  "Done": {"Type": "Succeed"}}}"""));
        String arn = stepFunctions.start(machine, "run-1", "{}").arn();

        open("#/execution/" + arn);
        waitFor(".execution .node[data-state='Hold'][data-outcome='running']");
        WebElement stop = browser.findElement(By.id("stop"));
        assertThat(browser.findElement(By.id("redrive")).isEnabled()).isFalse();
        stop.click();
        waitFor(".execution h2 .status-ABORTED");
        assertThat(stepFunctions.execution(arn).orElseThrow().status().name()).isEqualTo("ABORTED");
        assertThat(browser.findElement(By.id("stop")).isEnabled()).isFalse();

        browser.findElement(By.id("redrive")).click();
        waitFor(".execution h2 .status-RUNNING");
        // redriven, it waits its 20 s again, then succeeds
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> stepFunctions.execution(arn).orElseThrow().status().name().equals("SUCCEEDED"));
        open("#/execution/" + arn);
        waitFor(".execution h2 .status-SUCCEEDED");
        assertThat(outcomes()).containsEntry("Hold", "succeeded").containsEntry("Done", "succeeded");
        assertThat(texts(".timeline li .type")).contains("ExecutionAborted", "ExecutionRedriven", "ExecutionSucceeded");
    }

    private void openOrder(String orderId, String ready) {
        // the consumers' spans end after the verdict: open the page again until the trace has them
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            open("#/order/" + orderId);
            waitFor(".order h2");
            try {
                new WebDriverWait(browser, Duration.ofSeconds(3))
                        .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(ready)));
                return true;
            } catch (org.openqa.selenium.TimeoutException e) {
                return false;
            }
        });
    }

    private static void open(String hash) {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        browser.get("about:blank");
        browser.get("http://localhost:" + port + "/console/" + hash);
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> "false".equals(
                d.findElement(By.tagName("main")).getDomAttribute("aria-busy")));
        List<WebElement> errors = browser.findElements(By.cssSelector("main .error"));
        assertThat(errors).as("the page's error: %s", errors.isEmpty() ? "" : errors.get(0).getText()).isEmpty();
    }

    private static void waitFor(String css) {
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    private static List<String> texts(String css) {
        return browser.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    /** Each state's outcome as the graph shows it. */
    private static Map<String, String> outcomes() {
        return browser.findElements(By.cssSelector("svg.graph .node")).stream().collect(Collectors.toMap(
                n -> n.getDomAttribute("data-state"), n -> n.getDomAttribute("data-outcome"), (a, b) -> a));
    }

    private static void screenshot(String name) {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        try {
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
