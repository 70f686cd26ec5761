/*
 * Places 3-line orders through the C ABI (JSON draft in, order JSON out)
 * and prints the median throughput over several rounds, each on a fresh
 * store: the in-memory store and a SQLite file with synchronous=NORMAL.
 * examples/rust_baseline.rs does the same work from Rust; bench/run.sh runs
 * both and compares them.
 *
 *     bench_place STORE ORDERS ROUNDS [DIR]
 *
 * STORE is memory, memory-noout (no order JSON out) or sqlite; DIR holds
 * the SQLite files (default /tmp). Prints
 *     RESULT c <store> <median orders/s> <median us/order>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "omskit.h"

static const char *const LOCATIONS[3] = {"WH-1", "WH-2", "WH-3"};
static const char *const SKUS[3] = {"SKU-A", "SKU-B", "SKU-C"};

/* The draft of benches/engine.rs's `three_line_order`. */
static const char DRAFT[] =
    "{\"channel\": \"web\", \"currency\": \"USD\","
    " \"customer\": {\"id\": \"c-42\", \"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"},"
    " \"ship_to\": {\"name\": \"Ada Lovelace\", \"line1\": \"12 Analytical Row\", \"city\": \"Springfield\","
    "  \"region\": \"IL\", \"postal_code\": \"62701\", \"country\": \"US\"},"
    " \"lines\": ["
    "  {\"sku\": \"SKU-A\", \"quantity\": 1, \"unit_price\": \"19.99\", \"tax_rate\": \"0.0825\"},"
    "  {\"sku\": \"SKU-B\", \"quantity\": 1, \"unit_price\": \"5.49\", \"tax_rate\": \"0.0825\"},"
    "  {\"sku\": \"SKU-C\", \"quantity\": 1, \"unit_price\": \"120.00\", \"tax_rate\": \"0.0825\"}],"
    " \"shipping\": \"4.95\"}";

static void must(omskit_status status, const char *what) {
    if (status != OMSKIT_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, omskit_status_name(status), omskit_last_error_message());
        exit(1);
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s memory|memory-noout|sqlite ORDERS ROUNDS [DIR]\n", argv[0]);
        return 2;
    }
    const char *store = argv[1];
    long orders = atol(argv[2]), rounds = atol(argv[3]);
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    int sqlite = strcmp(store, "sqlite") == 0;
    int want_json = strcmp(store, "memory-noout") != 0;
    if (orders < 1 || rounds < 1 || rounds > 99) return 2;

    double rates[100];
    for (long r = 0; r < rounds; r++) {
        omskit_oms *oms = NULL;
        char path[512];
        snprintf(path, sizeof path, "%s/omskit-bench-c-%ld-%ld.db", dir, (long)getpid(), r);
        if (sqlite) {
            omskit_sqlite_options options = {OMSKIT_SYNCHRONOUS_NORMAL, 0};
            must(omskit_oms_open_with(path, &options, &oms), "open");
        } else {
            must(omskit_oms_in_memory(&oms), "in_memory");
        }
        for (int l = 0; l < 3; l++) {
            char name[32];
            snprintf(name, sizeof name, "Warehouse %s", LOCATIONS[l]);
            must(omskit_add_location(oms, LOCATIONS[l], name, l + 1), "add_location");
            for (int s = 0; s < 3; s++)
                must(omskit_receive_stock(oms, SKUS[s], LOCATIONS[l], 333333334, "PO-BENCH"), "receive");
        }
        double start = now();
        for (long i = 0; i < orders; i++) {
            char *order = NULL;
            must(omskit_place_order(oms, DRAFT, want_json ? &order : NULL), "place_order");
            omskit_string_free(order);
        }
        double elapsed = now() - start;
        rates[r] = (double)orders / elapsed;
        omskit_oms_free(oms);
        if (sqlite) {
            char name[600];
            const char *suffixes[] = {"", "-wal", "-shm"};
            for (int i = 0; i < 3; i++) {
                snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
                unlink(name);
            }
        }
    }
    qsort(rates, (size_t)rounds, sizeof *rates, compare);
    double median = rounds % 2 ? rates[rounds / 2] : (rates[rounds / 2 - 1] + rates[rounds / 2]) / 2;
    printf("RESULT c %s %.0f %.2f\n", store, median, 1e6 / median);
    return 0;
}
