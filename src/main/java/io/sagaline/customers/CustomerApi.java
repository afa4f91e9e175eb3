package io.sagaline.customers;

import java.util.UUID;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** The customers part of the HTTP contract. */
public final class CustomerApi {

    private CustomerApi() {
    }

    public record CreateCustomer(
            @NotBlank @Size(max = 200) String name,
            @NotBlank @Email @Size(max = 320) String email,
            @NotNull @PositiveOrZero @Max(1_000_000_000_000L) Long creditLimitCents) {
    }

    public record CustomerView(UUID customerId, String name, String email, long creditLimitCents,
            long availableCreditCents) {

        /** {@code c} with its name and address opened. */
        static CustomerView of(Customer c, String name, String email) {
            return new CustomerView(c.id, name, email, c.creditLimitCents, c.availableCreditCents);
        }
    }
}
