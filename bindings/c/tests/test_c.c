/*
 * Tests of the omskit C ABI: every function, every status code, a table of
 * bad inputs (each checked to leave the store unchanged), the subscriber
 * callback, one handle shared by several pthreads, SQLite files, and
 * PostgreSQL when OMSKIT_TEST_PG_URL is set.
 *
 * Built with -Wall -Wextra -Werror; run by scripts/test-c.sh under valgrind
 * (shared library) and with AddressSanitizer + UBSan (static library).
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "omskit.h"

/* ---------------------------------------------------------------- checks */

static int passed;
static int failed;

static void check_(int ok, const char *what, const char *file, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}
#define CHECK(cond) check_((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static void expect_(omskit_status got, omskit_status want, const char *call, const char *file,
                    int line) {
    if (got == want) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", file, line, call,
                omskit_status_name(got), omskit_status_name(want), omskit_last_error_message());
    }
}
#define EXPECT(call, want) expect_((call), (want), #call, __FILE__, __LINE__)
#define OK(call) EXPECT(call, OMSKIT_STATUS_OK)

static int streq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The value at a JSON pointer, copied into buf ("" when there is none). */
static const char *jget(const char *json, const char *pointer, char *buf, size_t size) {
    char *value = NULL;
    buf[0] = '\0';
    if (omskit_json_get(json, pointer, &value) == OMSKIT_STATUS_OK) {
        snprintf(buf, size, "%s", value);
    }
    omskit_string_free(value);
    return buf;
}
#define JGET(json, pointer) jget((json), (pointer), jbuf, sizeof jbuf)
static char jbuf[4096];

static size_t count(const char *haystack, const char *needle) {
    size_t n = 0;
    for (const char *p = haystack; p != NULL && (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

static int64_t avail(const omskit_oms *oms, const char *sku) {
    int64_t n = -1;
    OK(omskit_available(oms, sku, &n));
    return n;
}

/* ------------------------------------------------------------- snapshots */

#define SNAP_SKUS 5
static const char *const snap_skus[SNAP_SKUS] = {"MUG", "TEE", "LAPTOP", "CHAIR", "THR"};

/* Everything a failed call must leave as it was. */
typedef struct {
    char *events;
    char *orders;
    char *locations;
    char *stock[SNAP_SKUS];
} snapshot;

static void snap(const omskit_oms *oms, snapshot *s) {
    memset(s, 0, sizeof *s);
    if (oms == NULL) return;
    omskit_events_since(oms, 0, SIZE_MAX, &s->events);
    omskit_orders(oms, NULL, SIZE_MAX, &s->orders);
    omskit_locations(oms, &s->locations);
    for (int i = 0; i < SNAP_SKUS; i++) omskit_stock_levels(oms, snap_skus[i], &s->stock[i]);
}

static int snap_same(const snapshot *a, const snapshot *b) {
    int same = streq(a->events, b->events) && streq(a->orders, b->orders) &&
               streq(a->locations, b->locations);
    for (int i = 0; i < SNAP_SKUS; i++) same = same && streq(a->stock[i], b->stock[i]);
    return same;
}

static void snap_free(snapshot *s) {
    omskit_string_free(s->events);
    omskit_string_free(s->orders);
    omskit_string_free(s->locations);
    for (int i = 0; i < SNAP_SKUS; i++) omskit_string_free(s->stock[i]);
}

/* The last error of the latest BAD() call, saved before the snapshot that
 * follows it (a successful call clears the last error). */
static char bad_message[1024];
static char bad_field[256]; /* "(null)" when there was none */
static char bad_sku[256];
static char bad_json[4096];

static void save_last_error(void) {
    const char *field = omskit_last_error_field();
    const char *sku = omskit_last_error_sku();
    const char *json = omskit_last_error_json();
    snprintf(bad_message, sizeof bad_message, "%s", omskit_last_error_message());
    snprintf(bad_field, sizeof bad_field, "%s", field == NULL ? "(null)" : field);
    snprintf(bad_sku, sizeof bad_sku, "%s", sku == NULL ? "(null)" : sku);
    snprintf(bad_json, sizeof bad_json, "%s", json == NULL ? "(null)" : json);
}

/* Checks a failed call: its status, a message, the last-error accessors
 * agreeing, and the store unchanged. */
static void bad_(const omskit_oms *oms, snapshot *before, omskit_status got, omskit_status want,
                 const char *call, const char *file, int line) {
    expect_(got, want, call, file, line);
    const char *message = omskit_last_error_message();
    const char *json = omskit_last_error_json();
    int described = message != NULL && message[0] != '\0' && json != NULL &&
                    omskit_last_error_status() == want &&
                    strstr(json, omskit_status_name(want)) != NULL;
    check_(described, "the failure is described by omskit_last_error_*", file, line);
    save_last_error();
    if (!described) fprintf(stderr, "    call: %s\n", call);
    snapshot after;
    snap(oms, &after);
    int same = snap_same(before, &after);
    check_(same, "a failed call leaves the store unchanged", file, line);
    if (!same) fprintf(stderr, "    call: %s\n", call);
    snap_free(&after);
    snap_free(before);
}
#define BAD(oms, call, want)                                              \
    do {                                                                  \
        snapshot before_;                                                 \
        snap((oms), &before_);                                            \
        omskit_status got_ = (call);                                      \
        bad_((oms), &before_, got_, (want), #call, __FILE__, __LINE__);   \
    } while (0)

/* ---------------------------------------------------------------- drafts */

#define CUSTOMER "\"customer\": {\"id\": \"c-42\", \"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"}"

/* A USD web order: `extra` goes before the lines (may be ""), `lines` is the lines array. */
static const char *draft(char *buf, size_t size, const char *extra, const char *lines) {
    snprintf(buf, size, "{\"channel\": \"web\", \"currency\": \"USD\", %s, %s \"lines\": %s}",
             CUSTOMER, extra, lines);
    return buf;
}

static void place(const omskit_oms *oms, const char *draft_json, char *id, size_t size) {
    char *order = NULL;
    OK(omskit_place_order(oms, draft_json, &order));
    jget(order == NULL ? "{}" : order, "/id", id, size);
    omskit_string_free(order);
}

static const char *const UNKNOWN_ID = "00000000-0000-7000-8000-000000000000";
static const char *const BAD_UTF8 = "\xff\xfe";

/* ------------------------------------------------------ statuses, basics */

static void test_statuses(void) {
    static const struct {
        omskit_status status;
        int value;
        const char *name;
    } all[] = {
        {OMSKIT_STATUS_OK, 0, "OK"},
        {OMSKIT_STATUS_NOT_FOUND, 1, "NOT_FOUND"},
        {OMSKIT_STATUS_VALIDATION, 2, "VALIDATION"},
        {OMSKIT_STATUS_INSUFFICIENT_STOCK, 3, "INSUFFICIENT_STOCK"},
        {OMSKIT_STATUS_INVALID_TRANSITION, 4, "INVALID_TRANSITION"},
        {OMSKIT_STATUS_CONFLICT, 5, "CONFLICT"},
        {OMSKIT_STATUS_STORAGE, 6, "STORAGE"},
        {OMSKIT_STATUS_INVALID_ARGUMENT, 7, "INVALID_ARGUMENT"},
        {OMSKIT_STATUS_PANIC, 8, "PANIC"},
        {OMSKIT_STATUS_UNKNOWN_CURRENCY, 9, "UNKNOWN_CURRENCY"},
        {OMSKIT_STATUS_CURRENCY_MISMATCH, 10, "CURRENCY_MISMATCH"},
        {OMSKIT_STATUS_OVERFLOW, 11, "OVERFLOW"},
        {OMSKIT_STATUS_UNSUPPORTED_SCHEMA, 12, "UNSUPPORTED_SCHEMA"},
        {OMSKIT_STATUS_OTHER, 13, "OTHER"},
    };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        CHECK((int)all[i].status == all[i].value);
        CHECK(streq(omskit_status_name(all[i].status), all[i].name));
    }
    CHECK(streq(omskit_status_name(99), "UNKNOWN"));
    CHECK(streq(omskit_status_name(-1), "UNKNOWN"));
    CHECK(omskit_version() != NULL && omskit_version()[0] != '\0');

    /* A panic inside the library is a status, and the library goes on working. */
    EXPECT(omskit_test_panic(), OMSKIT_STATUS_PANIC);
    CHECK(omskit_last_error_status() == OMSKIT_STATUS_PANIC);
    CHECK(strstr(omskit_last_error_message(), "panicked") != NULL);
    CHECK(omskit_last_error_field() == NULL && omskit_last_error_sku() == NULL);
    omskit_oms *oms = NULL;
    OK(omskit_oms_in_memory(&oms));
    CHECK(omskit_last_error_status() == OMSKIT_STATUS_OK);
    CHECK(streq(omskit_last_error_message(), "") && omskit_last_error_json() == NULL);
    omskit_oms_free(oms);

    /* Freeing NULL does nothing. */
    omskit_oms_free(NULL);
    omskit_string_free(NULL);
    passed++;
}

static void test_json_get(void) {
    const char *doc = "{\"id\": \"x-1\", \"n\": 3, \"ok\": true, \"none\": null, "
                      "\"lines\": [{\"sku\": \"A\"}], \"a/b\": 1, \"t~\": 2}";
    char *v = NULL;
    OK(omskit_json_get(doc, "/id", &v));
    CHECK(streq(v, "x-1"));
    omskit_string_free(v);
    CHECK(streq(JGET(doc, "/n"), "3"));
    CHECK(streq(JGET(doc, "/ok"), "true"));
    CHECK(streq(JGET(doc, "/none"), "null"));
    CHECK(streq(JGET(doc, "/lines/0/sku"), "A"));
    CHECK(streq(JGET(doc, "/lines/0"), "{\"sku\":\"A\"}"));
    CHECK(streq(JGET(doc, "/a~1b"), "1"));
    CHECK(streq(JGET(doc, "/t~0"), "2"));
    CHECK(streq(JGET("[1,2]", ""), "[1,2]"));

    v = (char *)doc; /* any non-NULL value: a failure must set it to NULL */
    EXPECT(omskit_json_get(doc, "/missing", &v), OMSKIT_STATUS_NOT_FOUND);
    CHECK(v == NULL);
    EXPECT(omskit_json_get(doc, "/lines/7", &v), OMSKIT_STATUS_NOT_FOUND);
    EXPECT(omskit_json_get(doc, "id", &v), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(omskit_last_error_field(), "pointer"));
    EXPECT(omskit_json_get("{", "/id", &v), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(omskit_last_error_field(), "json"));
    EXPECT(omskit_json_get(BAD_UTF8, "/id", &v), OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT(omskit_json_get(doc, BAD_UTF8, &v), OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT(omskit_json_get(NULL, "/id", &v), OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT(omskit_json_get(doc, NULL, &v), OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT(omskit_json_get(doc, "/id", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(omskit_last_error_field(), "out_value"));
}

/* ---------------------------------------------------- the happy lifecycle */

static void test_lifecycle(void) {
    omskit_oms *oms = NULL;
    char buf[2048], id[64], other[64], laptop[64];
    char *json = NULL, *order = NULL;
    int64_t on_hand = -1, reserved = -1, available = -1;

    OK(omskit_oms_in_memory(&oms));
    CHECK(oms != NULL);
    OK(omskit_oms_set_hold_rules(
        oms, "[{\"rule\": \"grand_total_above\", \"amount\": \"500\", \"currency\": \"USD\"},"
             " {\"rule\": \"line_quantity_above\", \"quantity\": 1000}]"));

    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_add_location(oms, "WH-WEST", "West DC", 2));
    OK(omskit_locations(oms, &json));
    CHECK(streq(JGET(json, "/0/code"), "WH-EAST"));
    CHECK(streq(JGET(json, "/1/priority"), "2"));
    CHECK(streq(JGET(json, "/1/active"), "true"));
    omskit_string_free(json);

    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 5, "PO-1"));
    OK(omskit_receive_stock(oms, "MUG", "WH-WEST", 20, "PO-1"));
    OK(omskit_receive_stock(oms, "TEE", "WH-EAST", 50, "PO-1"));
    OK(omskit_receive_stock(oms, "LAPTOP", "WH-EAST", 3, "PO-2"));
    OK(omskit_stock_level(oms, "MUG", "WH-EAST", &on_hand, &reserved, &available));
    CHECK(on_hand == 5 && reserved == 0 && available == 5);
    OK(omskit_stock_level(oms, "NEVER", "WH-EAST", &on_hand, &reserved, &available));
    CHECK(on_hand == 0 && reserved == 0 && available == 0);
    CHECK(avail(oms, "MUG") == 25);

    /* Place: 8 mugs, 5 from the East DC and 3 from the West DC. */
    OK(omskit_place_order(
        oms,
        draft(buf, sizeof buf, "\"external_id\": \"web-1001\", \"shipping\": \"4.95\",",
              "[{\"sku\": \"MUG\", \"quantity\": 8, \"unit_price\": \"12.50\", \"tax_rate\": \"0.0825\"}]"),
        &order));
    CHECK(streq(JGET(order, "/status"), "placed"));
    CHECK(streq(JGET(order, "/totals/grand_total"), "113.20"));
    CHECK(streq(JGET(order, "/payment_status"), "unpaid"));
    CHECK(streq(JGET(order, "/external_id"), "web-1001"));
    jget(order, "/id", id, sizeof id);
    CHECK(strlen(id) == 36);
    omskit_string_free(order);

    OK(omskit_reservations(oms, id, &json));
    CHECK(streq(JGET(json, "/0/location"), "WH-EAST") && streq(JGET(json, "/0/quantity"), "5"));
    CHECK(streq(JGET(json, "/1/location"), "WH-WEST") && streq(JGET(json, "/1/quantity"), "3"));
    CHECK(streq(JGET(json, "/0/status"), "active"));
    omskit_string_free(json);
    OK(omskit_stock_level(oms, "MUG", "WH-WEST", &on_hand, &reserved, &available));
    CHECK(on_hand == 20 && reserved == 3 && available == 17);
    CHECK(avail(oms, "MUG") == 17);
    OK(omskit_stock_levels(oms, "MUG", &json));
    CHECK(count(json, "\"sku\"") == 2);
    omskit_string_free(json);
    OK(omskit_stock_movements(oms, "MUG", NULL, &json));
    CHECK(count(json, "\"kind\":\"receipt\"") == 2 && count(json, "\"kind\":\"reservation\"") == 2);
    omskit_string_free(json);
    OK(omskit_stock_movements(oms, "MUG", "WH-EAST", &json));
    CHECK(streq(JGET(json, "/0/kind"), "receipt") && streq(JGET(json, "/0/reference"), "PO-1"));
    CHECK(streq(JGET(json, "/1/kind"), "reservation") && streq(JGET(json, "/1/reference"), id));
    omskit_string_free(json);

    /* Read back. */
    OK(omskit_order(oms, id, &order));
    CHECK(streq(JGET(order, "/id"), id) && streq(JGET(order, "/lines/0/quantity"), "8"));
    omskit_string_free(order);
    OK(omskit_orders(oms, NULL, 10, &json));
    CHECK(streq(JGET(json, "/0/id"), id) && count(json, "\"placed_at\"") == 1);
    omskit_string_free(json);
    OK(omskit_orders(oms, id, 10, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* Idempotent placement: the same key and content return the same order. */
    draft(buf, sizeof buf, "\"idempotency_key\": \"cart-5f2c\",",
          "[{\"sku\": \"TEE\", \"quantity\": 2, \"unit_price\": \"19.99\"}]");
    place(oms, buf, other, sizeof other);
    OK(omskit_place_order(oms, buf, &order));
    CHECK(streq(JGET(order, "/id"), other));
    omskit_string_free(order);
    CHECK(avail(oms, "TEE") == 48);
    OK(omskit_place_order(oms, buf, NULL)); /* the order is optional */

    /* Edit: raise the mugs to 10, add a tee line. */
    OK(omskit_edit_order(
        oms, id,
        "[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 10},"
        " {\"op\": \"add_line\", \"line\": {\"sku\": \"TEE\", \"quantity\": 1, \"unit_price\": \"19.99\"}}]",
        &order));
    CHECK(streq(JGET(order, "/lines/0/quantity"), "10") && streq(JGET(order, "/lines/1/id"), "2"));
    omskit_string_free(order);
    CHECK(avail(oms, "MUG") == 15 && avail(oms, "TEE") == 47);
    OK(omskit_edit_order(oms, id, "[{\"op\": \"remove_line\", \"line_id\": 2}]", NULL));
    CHECK(avail(oms, "TEE") == 48);

    /* Hold by hand and release. */
    OK(omskit_hold_order(oms, id, "address check", &order));
    CHECK(streq(JGET(order, "/status"), "on_hold") && streq(JGET(order, "/holds/0/rule"), "manual"));
    omskit_string_free(order);
    OK(omskit_release_hold(oms, id, &order));
    CHECK(streq(JGET(order, "/status"), "placed"));
    omskit_string_free(order);

    /* A hold rule: a laptop order above 500 USD waits on hold. */
    place(oms,
          draft(buf, sizeof buf, "",
                "[{\"sku\": \"LAPTOP\", \"quantity\": 1, \"unit_price\": \"1299.00\"}]"),
          laptop, sizeof laptop);
    OK(omskit_order(oms, laptop, &order));
    CHECK(streq(JGET(order, "/status"), "on_hold"));
    CHECK(streq(JGET(order, "/holds/0/rule"), "grand_total_above"));
    omskit_string_free(order);
    OK(omskit_release_hold(oms, laptop, NULL));

    /* Payments: authorize then capture the grand total. */
    OK(omskit_order(oms, id, &order));
    char total[64];
    jget(order, "/totals/grand_total", total, sizeof total);
    omskit_string_free(order);
    OK(omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_AUTHORIZATION, total, "psp-auth-1", &order));
    CHECK(streq(JGET(order, "/payment_status"), "authorized"));
    omskit_string_free(order);
    OK(omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, total, "psp-cap-1", &order));
    CHECK(streq(JGET(order, "/payment_status"), "paid") && streq(JGET(order, "/captured"), total));
    omskit_string_free(order);
    OK(omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, total, "psp-cap-1", NULL));

    /* Partial cancel: 2 of the 10 mugs (from the West DC first), then all. */
    OK(omskit_cancel_lines(oms, id, "[{\"line_id\": 1, \"quantity\": 2}]", "customer wants 8", &order));
    CHECK(streq(JGET(order, "/lines/0/quantity"), "8") &&
          streq(JGET(order, "/lines/0/cancelled_quantity"), "2"));
    omskit_string_free(order);
    CHECK(avail(oms, "MUG") == 17);
    OK(omskit_cancel_order(oms, id, "customer changed their mind", &order));
    CHECK(streq(JGET(order, "/status"), "cancelled"));
    CHECK(streq(JGET(order, "/cancel_reason"), "customer changed their mind"));
    omskit_string_free(order);
    CHECK(avail(oms, "MUG") == 25);
    OK(omskit_cancel_lines(oms, laptop, "[{\"line_id\": 1}]", "out of budget", &order));
    CHECK(streq(JGET(order, "/status"), "cancelled"));
    omskit_string_free(order);
    CHECK(avail(oms, "LAPTOP") == 3);

    /* Many orders in one transaction: a failure does not stop the others. */
    char many[4096], d1[512], d2[512];
    draft(d1, sizeof d1, "", "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"12.50\"}]");
    draft(d2, sizeof d2, "", "[{\"sku\": \"MUG\", \"quantity\": 999, \"unit_price\": \"12.50\"}]");
    snprintf(many, sizeof many, "[%s, %s, %s]", d1, d2, d1);
    OK(omskit_place_orders(oms, many, &json));
    CHECK(strlen(JGET(json, "/0/order/id")) == 36 && strlen(JGET(json, "/2/order/id")) == 36);
    CHECK(streq(JGET(json, "/1/error/status"), "INSUFFICIENT_STOCK"));
    CHECK(streq(JGET(json, "/1/error/code"), "3") && streq(JGET(json, "/1/error/sku"), "MUG"));
    omskit_string_free(json);
    CHECK(avail(oms, "MUG") == 23);
    OK(omskit_place_orders(oms, "[]", &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* Locations on and off, stock corrections. */
    OK(omskit_set_location_active(oms, "WH-WEST", false));
    CHECK(avail(oms, "MUG") == 5 - 2);
    OK(omskit_set_location_active(oms, "WH-WEST", true));
    OK(omskit_adjust_stock(oms, "MUG", "WH-WEST", -1, "damaged in the aisle"));
    OK(omskit_adjust_stock(oms, "MUG", "WH-WEST", 4, "cycle count"));
    OK(omskit_stock_level(oms, "MUG", "WH-WEST", &on_hand, &reserved, &available));
    CHECK(on_hand == 23);

    /* The event log: paging and the hash chain. */
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    size_t events = count(json, "\"seq\":");
    CHECK(events > 30);
    CHECK(streq(JGET(json, "/0/kind"), "LocationAdded") && streq(JGET(json, "/0/seq"), "1"));
    CHECK(strstr(JGET(json, "/0/payload"), "\"type\":\"LocationAdded\"") != NULL);
    char pointer[32], last_seq[32];
    snprintf(pointer, sizeof pointer, "/%zu/seq", events - 1);
    jget(json, pointer, last_seq, sizeof last_seq);
    omskit_string_free(json);
    OK(omskit_events_since(oms, (uint64_t)strtoull(last_seq, NULL, 10), 10, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    OK(omskit_events_since(oms, 1, 2, &json));
    CHECK(count(json, "\"seq\":") == 2 && streq(JGET(json, "/0/seq"), "2"));
    omskit_string_free(json);
    OK(omskit_events_since(oms, UINT64_MAX, SIZE_MAX, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, &json));
    CHECK(intact);
    snprintf(buf, sizeof buf, "%zu", events);
    CHECK(streq(JGET(json, "/events_checked"), buf) && streq(JGET(json, "/first_broken"), "null"));
    omskit_string_free(json);
    intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);

    OK(omskit_oms_set_hold_rules(oms, "[]"));
    omskit_oms_free(oms);
}

/* ------------------------------------------------------ the bad-input table */

static void test_bad_inputs(void) {
    omskit_oms *oms = NULL;
    char buf[2048], id[64], cancelled[64];
    char *out = NULL;
    int64_t n = 0;
    bool flag = false;
    uint64_t sub = 0;

    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 10, "PO-1"));
    OK(omskit_receive_stock(oms, "CHAIR", "WH-EAST", 12, "PO-1"));
    place(oms,
          draft(buf, sizeof buf, "\"external_id\": \"web-1\", \"idempotency_key\": \"key-1\",",
                "[{\"sku\": \"MUG\", \"quantity\": 2, \"unit_price\": \"12.50\"}]"),
          id, sizeof id);
    place(oms, draft(buf, sizeof buf, "", "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]"),
          cancelled, sizeof cancelled);
    OK(omskit_cancel_order(oms, cancelled, "test", NULL));
    OK(omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, "5.00", "pay-1", NULL));

    const omskit_oms *no = NULL; /* a NULL handle */
    const char *d_ok = "{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
                       ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]}";

    /* Opening and connecting. */
    omskit_oms *o = NULL;
    omskit_sqlite_options bad_sync = {7, 0};
    omskit_pg_options bad_schema = {BAD_UTF8, 0};
    BAD(oms, omskit_oms_in_memory(NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_open(NULL, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(o == NULL && streq(bad_field, "path"));
    BAD(oms, omskit_oms_open("x.db", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_open(BAD_UTF8, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_open("/nonexistent-omskit-dir/sub/shop.db", &o), OMSKIT_STATUS_STORAGE);
    CHECK(o == NULL);
    BAD(oms, omskit_oms_open_with(NULL, NULL, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_open_with("x.db", &bad_sync, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "options.synchronous"));
    BAD(oms, omskit_oms_open_with("x.db", NULL, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_connect(NULL, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_connect("postgresql://omskit@127.0.0.1:1/postgres", NULL),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_connect(BAD_UTF8, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_connect("this is not a url", &o), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "url"));
    BAD(oms, omskit_oms_connect("postgresql://omskit@127.0.0.1:1/postgres", &o),
        OMSKIT_STATUS_STORAGE);
    CHECK(o == NULL);
    BAD(oms, omskit_oms_connect_with(NULL, NULL, &o), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_connect_with("postgresql://omskit@127.0.0.1:1/postgres", &bad_schema, &o),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "options.schema"));
    BAD(oms, omskit_oms_connect_with("postgresql://x@127.0.0.1:1/db", NULL, NULL),
        OMSKIT_STATUS_INVALID_ARGUMENT);

    /* Hold rules. */
    BAD(oms, omskit_oms_set_hold_rules(NULL, "[]"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_set_hold_rules(oms, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_set_hold_rules(oms, BAD_UTF8), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_set_hold_rules(oms, "[{"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_oms_set_hold_rules(oms, "{}"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_oms_set_hold_rules(oms, "[{\"rule\": \"never\"}]"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_oms_set_hold_rules(oms, "[{\"rule\": \"line_quantity_above\", \"quantity\": -1}]"),
        OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "[0]"));
    BAD(oms,
        omskit_oms_set_hold_rules(
            oms, "[{\"rule\": \"grand_total_above\", \"amount\": \"5\", \"currency\": \"XYZ\"}]"),
        OMSKIT_STATUS_VALIDATION);

    /* Locations. */
    BAD(oms, omskit_add_location(no, "WH-X", "X", 1), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "oms"));
    BAD(oms, omskit_add_location(oms, NULL, "X", 1), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "code"));
    BAD(oms, omskit_add_location(oms, "WH-X", NULL, 1), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "name"));
    BAD(oms, omskit_add_location(oms, BAD_UTF8, "X", 1), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_add_location(oms, "WH-X", BAD_UTF8, 1), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_add_location(oms, "", "X", 1), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "code"));
    BAD(oms, omskit_add_location(oms, "WH X", "X", 1), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_add_location(oms, "WH-X", "   ", 1), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_add_location(oms, "WH-EAST", "Again", 1), OMSKIT_STATUS_CONFLICT);
    CHECK(streq(bad_field, "code"));
    BAD(oms, omskit_set_location_active(no, "WH-EAST", false), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_location_active(oms, NULL, false), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_location_active(oms, "WH-NOWHERE", false), OMSKIT_STATUS_NOT_FOUND);
    CHECK(strstr(bad_json, "\"entity\":\"location\"") != NULL);
    BAD(oms, omskit_locations(no, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_locations(oms, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "out_json"));

    /* Stock. */
    BAD(oms, omskit_receive_stock(no, "MUG", "WH-EAST", 1, "PO"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_receive_stock(oms, NULL, "WH-EAST", 1, "PO"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_receive_stock(oms, "MUG", NULL, 1, "PO"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", 1, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_receive_stock(oms, BAD_UTF8, "WH-EAST", 1, "PO"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", 0, "PO"), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "quantity"));
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", -5, "PO"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", INT64_MAX, "PO"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", INT64_MIN, "PO"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", 1000000001, "PO"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-NOWHERE", 1, "PO"), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_receive_stock(oms, "MUG", "WH-EAST", 1, ""), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_adjust_stock(no, "MUG", "WH-EAST", 1, "r"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_adjust_stock(oms, NULL, "WH-EAST", 1, "r"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_adjust_stock(oms, "MUG", NULL, 1, "r"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-EAST", 1, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-EAST", 1, BAD_UTF8), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-EAST", 0, "r"), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "delta"));
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-EAST", INT64_MIN, "r"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-EAST", INT64_MAX, "r"), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-EAST", -9, "lost"), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(streq(bad_sku, "MUG"));
    BAD(oms, omskit_adjust_stock(oms, "MUG", "WH-NOWHERE", 1, "r"), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_stock_level(no, "MUG", "WH-EAST", &n, &n, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, NULL, "WH-EAST", &n, &n, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, "MUG", NULL, &n, &n, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, "MUG", "WH-EAST", NULL, &n, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, "MUG", "WH-EAST", &n, NULL, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, "MUG", "WH-EAST", &n, &n, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, "MUG", BAD_UTF8, &n, &n, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_level(oms, "MUG", "WH-NOWHERE", &n, &n, &n), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_stock_levels(no, "MUG", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_levels(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_levels(oms, "MUG", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_available(no, "MUG", &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_available(oms, NULL, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_available(oms, "MUG", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_available(oms, BAD_UTF8, &n), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_movements(no, "MUG", NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_movements(oms, NULL, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_movements(oms, "MUG", NULL, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_stock_movements(oms, "MUG", BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);

    /* Placing orders: NULLs, bytes that are not UTF-8, text that is not JSON,
     * JSON of the wrong shape, bad and huge values, and business failures. */
    static const struct {
        const char *json;
        omskit_status want;
        const char *field; /* expected omskit_last_error_field(), or NULL for any */
    } drafts[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT, "draft_json"},
        {"{", OMSKIT_STATUS_INVALID_ARGUMENT, "draft_json"},
        {"nul", OMSKIT_STATUS_INVALID_ARGUMENT, "draft_json"},
        {"{\"channel\": \"web\",}", OMSKIT_STATUS_INVALID_ARGUMENT, "draft_json"},
        {"{\"channel\": 'web'}", OMSKIT_STATUS_INVALID_ARGUMENT, "draft_json"},
        {"[]", OMSKIT_STATUS_VALIDATION, NULL},
        {"42", OMSKIT_STATUS_VALIDATION, NULL},
        {"\"order\"", OMSKIT_STATUS_VALIDATION, NULL},
        {"null", OMSKIT_STATUS_VALIDATION, NULL},
        {"{}", OMSKIT_STATUS_VALIDATION, NULL},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER "}", OMSKIT_STATUS_VALIDATION, NULL},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER ", \"lines\": {}}",
         OMSKIT_STATUS_VALIDATION, "lines"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER ", \"lines\": []}",
         OMSKIT_STATUS_VALIDATION, "lines"},
        {"{\"channel\": 7, \"currency\": \"USD\", " CUSTOMER ", \"lines\": []}",
         OMSKIT_STATUS_VALIDATION, "channel"},
        {"{\"channel\": \"Web\", \"currency\": \"USD\", " CUSTOMER ", \"lines\": []}",
         OMSKIT_STATUS_VALIDATION, "channel"},
        {"{\"channel\": \"web\", \"currency\": \"XYZ\", " CUSTOMER ", \"lines\": []}",
         OMSKIT_STATUS_VALIDATION, "currency"},
        {"{\"channel\": \"web\", \"currency\": \"usd\", " CUSTOMER ", \"lines\": []}",
         OMSKIT_STATUS_VALIDATION, "currency"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", \"customer\": \"c-42\", \"lines\": []}",
         OMSKIT_STATUS_VALIDATION, "customer"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", \"customer\": {\"id\": \"c\", \"name\": \"A\", "
         "\"email\": \"nope\"}, \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "customer.email"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": \"two\", \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 2.5, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1e300, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 99999999999999999999999, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 9223372036854775807, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 0, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": -1, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].quantity"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"abc\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].unit_price"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"-1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].unit_price"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1e400\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].unit_price"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"99999999999999999999999999999999\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].unit_price"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": 1e999}]}",
         OMSKIT_STATUS_INVALID_ARGUMENT, "draft_json"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\", \"tax_rate\": \"2\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].tax_rate"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"\", \"quantity\": 1, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_VALIDATION, "lines[0].sku"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}], \"shipping\": \"0.001\"}",
         OMSKIT_STATUS_VALIDATION, "shipping"},
        /* huge but valid amounts overflow when multiplied */
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 2, \"unit_price\": \"79228162514264337593543950335\"}]}",
         OMSKIT_STATUS_OVERFLOW, NULL},
        /* business failures */
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"},"
         " {\"sku\": \"CHAIR\", \"quantity\": 100, \"unit_price\": \"89.00\"}]}",
         OMSKIT_STATUS_INSUFFICIENT_STOCK, NULL},
        {"{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"NO-SUCH-SKU\", \"quantity\": 1, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_INSUFFICIENT_STOCK, NULL},
        {"{\"channel\": \"web\", \"currency\": \"USD\", \"external_id\": \"web-1\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]}",
         OMSKIT_STATUS_CONFLICT, "external_id"},
        {"{\"channel\": \"web\", \"currency\": \"USD\", \"external_id\": \"web-1\", "
         "\"idempotency_key\": \"key-1\", " CUSTOMER
         ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 3, \"unit_price\": \"12.50\"}]}",
         OMSKIT_STATUS_CONFLICT, "lines[0].quantity"},
    };
    for (size_t i = 0; i < sizeof drafts / sizeof *drafts; i++) {
        out = (char *)d_ok; /* must come back NULL */
        BAD(oms, omskit_place_order(oms, drafts[i].json, &out), drafts[i].want);
        CHECK(out == NULL);
        if (drafts[i].field != NULL && !streq(bad_field, drafts[i].field)) {
            failed++;
            fprintf(stderr, "draft %zu: field %s, expected %s (%s)\n", i,
                    omskit_last_error_field() ? omskit_last_error_field() : "NULL", drafts[i].field,
                    omskit_last_error_message());
        }
    }
    BAD(oms,
        omskit_place_order(oms,
                           "{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
                           ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 9, \"unit_price\": \"1\"},"
                           " {\"sku\": \"CHAIR\", \"quantity\": 13, \"unit_price\": \"1\"}]}",
                           NULL),
        OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(streq(bad_sku, "MUG"));
    CHECK(strstr(bad_json, "\"requested\":9,\"available\":8") != NULL);
    CHECK(strstr(bad_json, "{\"sku\":\"CHAIR\",\"requested\":13,\"available\":12}") != NULL);
    /* Very deep and very long input. */
    static char deep[20001];
    memset(deep, '[', sizeof deep - 1);
    BAD(oms, omskit_place_order(oms, deep, &out), OMSKIT_STATUS_VALIDATION); /* not a draft */
    BAD(oms, omskit_place_orders(oms, deep, &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_json_get(deep, "", &out), OMSKIT_STATUS_INVALID_ARGUMENT); /* too deep */
    static char long_sku[200];
    memset(long_sku, 'S', sizeof long_sku - 1);
    BAD(oms, omskit_receive_stock(oms, long_sku, "WH-EAST", 1, "PO"), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "sku"));
    static char big[300000];
    int used = snprintf(big, sizeof big, "{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
                        ", \"lines\": [");
    for (int i = 0; i < 1001 && used < (int)sizeof big - 100; i++)
        used += snprintf(big + used, sizeof big - (size_t)used,
                         "%s{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}", i ? "," : "");
    snprintf(big + used, sizeof big - (size_t)used, "]}");
    BAD(oms, omskit_place_order(oms, big, &out), OMSKIT_STATUS_VALIDATION); /* 1001 lines */
    CHECK(streq(bad_field, "lines"));
    BAD(oms, omskit_place_order(no, d_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_order(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_order(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_order(oms, "{\"channel\": \"w\xc3\x28\"}", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(bad_message, "UTF-8") != NULL);

    snprintf(buf, sizeof buf, "[%s, %s]", d_ok, "{\"channel\": \"web\"}");
    BAD(oms, omskit_place_orders(oms, buf, &out), OMSKIT_STATUS_VALIDATION);
    CHECK(out == NULL && streq(bad_field, "[1]"));
    BAD(oms, omskit_place_orders(oms, d_ok, &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_place_orders(oms, "[", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_orders(no, "[]", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_orders(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_orders(oms, "[]", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_place_orders(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);

    /* Reading orders. */
    BAD(oms, omskit_order(no, id, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_order(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_order(oms, id, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_order(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_order(oms, "not-an-id", &out), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "order_id"));
    BAD(oms, omskit_order(oms, "", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_order(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(strstr(bad_json, "\"entity\":\"order\"") != NULL);
    BAD(oms, omskit_orders(no, NULL, 10, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_orders(oms, NULL, 10, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_orders(oms, "bad", 10, &out), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "after"));
    BAD(oms, omskit_orders(oms, BAD_UTF8, 10, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_reservations(no, id, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_reservations(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_reservations(oms, id, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_reservations(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_reservations(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);

    /* Edits. */
    static const struct {
        const char *json;
        omskit_status want;
    } edits[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT},
        {"[", OMSKIT_STATUS_INVALID_ARGUMENT},
        {"{}", OMSKIT_STATUS_VALIDATION},
        {"[]", OMSKIT_STATUS_VALIDATION},
        {"[{}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"explode\"}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 1}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 0}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 1e12}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 1000000000000}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": -1, \"quantity\": 1}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 4294967296, \"quantity\": 1}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 9, \"quantity\": 1}]", OMSKIT_STATUS_NOT_FOUND},
        {"[{\"op\": \"remove_line\", \"line_id\": 1}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 100}]", OMSKIT_STATUS_INSUFFICIENT_STOCK},
        {"[{\"op\": \"add_line\", \"line\": {\"sku\": \"MUG\", \"quantity\": 1}}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"op\": \"add_line\", \"line\": {\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"0.001\", "
         "\"discount\": {\"amount\": \"0.001\"}}}]",
         OMSKIT_STATUS_VALIDATION},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        out = (char *)d_ok;
        BAD(oms, omskit_edit_order(oms, id, edits[i].json, &out), edits[i].want);
        CHECK(out == NULL);
    }
    const char *e_ok = "[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 3}]";
    BAD(oms, omskit_edit_order(no, id, e_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_edit_order(oms, NULL, e_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_edit_order(oms, id, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_edit_order(oms, id, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_edit_order(oms, "bad", e_ok, &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_edit_order(oms, UNKNOWN_ID, e_ok, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_edit_order(oms, cancelled, e_ok, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(strstr(bad_json, "\"from\":\"cancelled\",\"action\":\"edit\"") != NULL);

    /* Holds. */
    BAD(oms, omskit_hold_order(no, id, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_hold_order(oms, NULL, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_hold_order(oms, id, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_hold_order(oms, id, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_hold_order(oms, id, "", &out), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(bad_field, "reason"));
    BAD(oms, omskit_hold_order(oms, "bad", "r", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_hold_order(oms, UNKNOWN_ID, "r", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_hold_order(oms, cancelled, "r", &out), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_release_hold(no, id, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_release_hold(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_release_hold(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_release_hold(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_release_hold(oms, id, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(strstr(bad_json, "\"from\":\"placed\",\"action\":\"release_hold\"") != NULL);

    /* Cancellation. */
    BAD(oms, omskit_cancel_order(no, id, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_order(oms, NULL, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_order(oms, id, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_order(oms, id, "", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_order(oms, id, "bad\x01text", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_order(oms, "bad", "r", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_order(oms, UNKNOWN_ID, "r", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_cancel_order(oms, cancelled, "r", &out), OMSKIT_STATUS_INVALID_TRANSITION);
    static const struct {
        const char *json;
        omskit_status want;
    } cancels[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT},
        {"[{\"line_id\": 1", OMSKIT_STATUS_INVALID_ARGUMENT},
        {"[]", OMSKIT_STATUS_VALIDATION},
        {"{\"line_id\": 1}", OMSKIT_STATUS_VALIDATION},
        {"[{}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": \"1\"}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": -1}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": 1e20}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": 1, \"quantity\": 0}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": 1, \"quantity\": 3}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": 1, \"quantity\": 9223372036854775807}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": 1, \"quantity\": 1}, {\"line_id\": 1, \"quantity\": 1}]", OMSKIT_STATUS_VALIDATION},
        {"[{\"line_id\": 7}]", OMSKIT_STATUS_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof cancels / sizeof *cancels; i++) {
        BAD(oms, omskit_cancel_lines(oms, id, cancels[i].json, "r", &out), cancels[i].want);
    }
    const char *c_ok = "[{\"line_id\": 1, \"quantity\": 1}]";
    BAD(oms, omskit_cancel_lines(no, id, c_ok, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_lines(oms, NULL, c_ok, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_lines(oms, id, NULL, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_lines(oms, id, c_ok, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_lines(oms, id, c_ok, "", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_lines(oms, "bad", c_ok, "r", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_lines(oms, UNKNOWN_ID, c_ok, "r", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_cancel_lines(oms, cancelled, c_ok, "r", &out), OMSKIT_STATUS_INVALID_TRANSITION);

    /* Payments: amounts are decimal strings. */
    static const char *const amounts[] = {
        "", "abc", "1,00", "1e5", "0x10", "-5", "0", "0.00", "0.001", "NaN", "inf", " 1", "1 ",
        "99999999999999999999999999999999", "79228162514264337593543950335", "20.01",
    };
    for (size_t i = 0; i < sizeof amounts / sizeof *amounts; i++) {
        BAD(oms, omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, amounts[i], "p-x", &out),
            OMSKIT_STATUS_VALIDATION);
        if (!streq(bad_field, "amount")) {
            failed++;
            fprintf(stderr, "amount %s: field %s\n", amounts[i],
                    omskit_last_error_field() ? omskit_last_error_field() : "NULL");
        }
    }
    BAD(oms, omskit_record_payment(oms, id, 2, "1.00", "p-x", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "kind"));
    BAD(oms, omskit_record_payment(oms, id, UINT32_MAX, "1.00", "p-x", &out),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, "6.00", "pay-1", &out),
        OMSKIT_STATUS_CONFLICT);
    CHECK(streq(bad_field, "reference"));
    BAD(oms, omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, "1.00", "has space", &out),
        OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_record_payment(no, id, OMSKIT_PAYMENT_KIND_CAPTURE, "1", "p", &out),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_payment(oms, NULL, OMSKIT_PAYMENT_KIND_CAPTURE, "1", "p", &out),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, NULL, "p", &out),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, "1", NULL, &out),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, BAD_UTF8, "p", &out),
        OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_payment(oms, "bad", OMSKIT_PAYMENT_KIND_CAPTURE, "1", "p", &out),
        OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_record_payment(oms, UNKNOWN_ID, OMSKIT_PAYMENT_KIND_CAPTURE, "1", "p", &out),
        OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_record_payment(oms, cancelled, OMSKIT_PAYMENT_KIND_CAPTURE, "1", "p", &out),
        OMSKIT_STATUS_INVALID_TRANSITION);

    /* Events, audit, subscriptions. */
    BAD(oms, omskit_events_since(no, 0, 10, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_events_since(oms, 0, 10, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_verify_audit_chain(no, &flag, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_verify_audit_chain(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_subscribe(no, NULL, NULL, &sub), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_subscribe(oms, NULL, NULL, &sub), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(streq(bad_field, "callback"));
    BAD(oms, omskit_unsubscribe(no, 1), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_unsubscribe(oms, 12345), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_unsubscribe(oms, UINT64_MAX), OMSKIT_STATUS_NOT_FOUND);

    /* After all that, the order is as it was and the chain intact. */
    OK(omskit_order(oms, id, &out));
    CHECK(streq(JGET(out, "/lines/0/quantity"), "2") && streq(JGET(out, "/status"), "placed"));
    omskit_string_free(out);
    OK(omskit_verify_audit_chain(oms, &flag, NULL));
    CHECK(flag);
    omskit_oms_free(oms);
}

/* ------------------------------------------------------------ subscribers */

typedef struct {
    const omskit_oms *oms;
    int events;
    int placed;
    int64_t available_seen;
    char last_kind[64];
} listener;

static void on_event(const char *event_json, void *user_data) {
    listener *l = user_data;
    l->events++;
    jget(event_json, "/kind", l->last_kind, sizeof l->last_kind);
    if (strcmp(l->last_kind, "OrderPlaced") == 0) {
        l->placed++;
        /* Callbacks may call back into the engine. */
        omskit_available(l->oms, "MUG", &l->available_seen);
    }
}

static void test_subscriber(void) {
    omskit_oms *oms = NULL;
    char buf[1024];
    OK(omskit_oms_in_memory(&oms));
    listener l = {oms, 0, 0, -1, ""};
    uint64_t sub = 0, sub2 = 0;
    OK(omskit_subscribe(oms, on_event, &l, &sub));
    OK(omskit_subscribe(oms, on_event, &l, &sub2));
    CHECK(sub != 0 && sub2 != sub);
    OK(omskit_unsubscribe(oms, sub2));
    EXPECT(omskit_unsubscribe(oms, sub2), OMSKIT_STATUS_NOT_FOUND);

    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 10, "PO-1"));
    CHECK(l.events == 2 && streq(l.last_kind, "StockReceived"));
    draft(buf, sizeof buf, "", "[{\"sku\": \"MUG\", \"quantity\": 3, \"unit_price\": \"2\"}]");
    OK(omskit_place_order(oms, buf, NULL));
    CHECK(l.events == 4 && l.placed == 1 && streq(l.last_kind, "StockReserved"));
    CHECK(l.available_seen == 7); /* called after the commit */

    /* A failed change publishes nothing. */
    draft(buf, sizeof buf, "", "[{\"sku\": \"MUG\", \"quantity\": 30, \"unit_price\": \"2\"}]");
    EXPECT(omskit_place_order(oms, buf, NULL), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(l.events == 4);

    char *json = NULL;
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"seq\":") == (size_t)l.events);
    omskit_string_free(json);

    OK(omskit_unsubscribe(oms, sub));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 1, "PO-2"));
    CHECK(l.events == 4);

    /* A subscription still active when the handle is freed ends with it. */
    OK(omskit_subscribe(oms, on_event, &l, &sub));
    omskit_oms_free(oms);
}

/* ---------------------------------------------------------------- threads */

#define THREADS 4
#define ORDERS_PER_THREAD 25
#define THR_STOCK 60

typedef struct {
    const omskit_oms *oms;
    pthread_barrier_t *barrier;
    int index;
    int placed;
    int short_;
    int errors_ok;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    char buf[1024];
    draft(buf, sizeof buf, "", "[{\"sku\": \"THR\", \"quantity\": 1, \"unit_price\": \"1.00\"}]");
    pthread_barrier_wait(w->barrier);
    for (int i = 0; i < ORDERS_PER_THREAD; i++) {
        char *order = NULL;
        omskit_status st = omskit_place_order(w->oms, buf, &order);
        if (st == OMSKIT_STATUS_OK) {
            w->placed++;
        } else if (st == OMSKIT_STATUS_INSUFFICIENT_STOCK) {
            w->short_++;
        }
        omskit_string_free(order);
    }
    /* Each thread has its own last error: fail here, wait while the others
     * succeed, and find this thread's error unchanged. */
    char tag[32];
    snprintf(tag, sizeof tag, "T%d NOWHERE", w->index);
    omskit_status st = omskit_add_location(w->oms, tag, "bad code", 1);
    pthread_barrier_wait(w->barrier);
    int64_t n = 0;
    if (w->index % 2 == 0) omskit_available(w->oms, "THR", &n);
    pthread_barrier_wait(w->barrier);
    if (w->index % 2 == 0) {
        w->errors_ok = omskit_last_error_status() == OMSKIT_STATUS_OK;
    } else {
        w->errors_ok = st == OMSKIT_STATUS_VALIDATION &&
                       omskit_last_error_status() == OMSKIT_STATUS_VALIDATION &&
                       streq(omskit_last_error_field(), "code");
    }
    return NULL;
}

static void test_threads(void) {
    omskit_oms *oms = NULL;
    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-1", "One", 1));
    OK(omskit_add_location(oms, "WH-2", "Two", 2));
    OK(omskit_receive_stock(oms, "THR", "WH-1", THR_STOCK / 2, "PO"));
    OK(omskit_receive_stock(oms, "THR", "WH-2", THR_STOCK / 2, "PO"));

    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){oms, &barrier, i, 0, 0, 0};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    int placed = 0, short_ = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        placed += workers[i].placed;
        short_ += workers[i].short_;
        CHECK(workers[i].errors_ok);
    }
    pthread_barrier_destroy(&barrier);
    /* Scarce stock is sold exactly: never more than there is. */
    CHECK(placed == THR_STOCK);
    CHECK(short_ == THREADS * ORDERS_PER_THREAD - THR_STOCK);
    int64_t on_hand = 0, reserved = 0, available = 0;
    OK(omskit_stock_level(oms, "THR", "WH-1", &on_hand, &reserved, &available));
    CHECK(reserved == THR_STOCK / 2 && available == 0);
    CHECK(avail(oms, "THR") == 0);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);
}

/* ----------------------------------------------------------------- SQLite */

static void remove_db(const char *path) {
    char name[512];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
}

static void test_sqlite(void) {
    char dir[] = "/tmp/omskit-c-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512], buf[1024], id[64];
    snprintf(path, sizeof path, "%s/shop.db", dir);

    omskit_oms *oms = NULL;
    OK(omskit_oms_open(path, &oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 10, "PO-1"));
    place(oms, draft(buf, sizeof buf, "", "[{\"sku\": \"MUG\", \"quantity\": 4, \"unit_price\": \"2.50\"}]"),
          id, sizeof id);
    OK(omskit_hold_order(oms, id, "check", NULL));
    EXPECT(omskit_add_location(oms, "WH-EAST", "Again", 1), OMSKIT_STATUS_CONFLICT);
    omskit_oms_free(oms);

    /* Reopened with options: everything is still there. */
    omskit_sqlite_options options = {OMSKIT_SYNCHRONOUS_NORMAL, 2000};
    oms = NULL;
    OK(omskit_oms_open_with(path, &options, &oms));
    char *order = NULL;
    OK(omskit_order(oms, id, &order));
    CHECK(streq(JGET(order, "/status"), "on_hold") && streq(JGET(order, "/totals/grand_total"), "10.00"));
    omskit_string_free(order);
    CHECK(avail(oms, "MUG") == 6);
    OK(omskit_release_hold(oms, id, NULL));
    OK(omskit_cancel_order(oms, id, "done", NULL));
    CHECK(avail(oms, "MUG") == 10);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);

    /* A file written by a newer omskit is refused and left untouched:
     * PRAGMA user_version lives at offset 60 of the header, big-endian. */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
        unsigned char version[4] = {0, 0, 0, 99};
        CHECK(fseek(f, 60, SEEK_SET) == 0 && fwrite(version, 1, 4, f) == 4);
        fclose(f);
    }
    oms = (omskit_oms *)1;
    EXPECT(omskit_oms_open(path, &oms), OMSKIT_STATUS_UNSUPPORTED_SCHEMA);
    CHECK(oms == NULL);
    CHECK(strstr(omskit_last_error_json(), "\"found\":99") != NULL);

    remove_db(path);
    rmdir(dir);
}

/* ------------------------------------------------------------- PostgreSQL */

static void test_postgres(void) {
    const char *url = getenv("OMSKIT_TEST_PG_URL");
    if (url == NULL || url[0] == '\0') {
        printf("postgres: OMSKIT_TEST_PG_URL is not set; skipping the PostgreSQL tests\n");
        return;
    }
    char schema[64], buf[1024], id[64];
    snprintf(schema, sizeof schema, "omskit_c_%ld_%ld", (long)getpid(), (long)time(NULL));
    omskit_pg_options options = {schema, 4};
    omskit_oms *oms = NULL;
    OK(omskit_oms_connect_with(url, &options, &oms));
    if (oms == NULL) return;
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 10, "PO-1"));
    place(oms, draft(buf, sizeof buf, "", "[{\"sku\": \"MUG\", \"quantity\": 4, \"unit_price\": \"2.50\"}]"),
          id, sizeof id);
    CHECK(avail(oms, "MUG") == 6);
    OK(omskit_cancel_lines(oms, id, "[{\"line_id\": 1, \"quantity\": 1}]", "r", NULL));
    BAD(oms, omskit_release_hold(oms, id, NULL), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_order(oms, UNKNOWN_ID, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_order(oms, UNKNOWN_ID, &(char *){NULL}), OMSKIT_STATUS_NOT_FOUND);
    OK(omskit_cancel_order(oms, id, "done", NULL));
    CHECK(avail(oms, "MUG") == 10);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);

    /* The same schema again: the data is there. */
    oms = NULL;
    OK(omskit_oms_connect_with(url, &options, &oms));
    char *order = NULL;
    OK(omskit_order(oms, id, &order));
    CHECK(streq(JGET(order == NULL ? "{}" : order, "/status"), "cancelled"));
    omskit_string_free(order);
    omskit_oms_free(oms);

    /* The default schema works too. */
    oms = NULL;
    OK(omskit_oms_connect(url, &oms));
    omskit_oms_free(oms);
    printf("postgres: tested against %s (schema %s)\n", url, schema);
}

int main(void) {
    test_statuses();
    test_json_get();
    test_lifecycle();
    test_bad_inputs();
    test_subscriber();
    test_threads();
    test_sqlite();
    test_postgres();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
