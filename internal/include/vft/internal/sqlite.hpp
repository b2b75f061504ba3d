// One RAII wrapper for SQLite prepared statements.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace vft::internal {

// A statement this object prepared and finalizes (Stmt(db, sql)), or a cached one it borrows
// and only resets and unbinds when the scope ends (Stmt(s)).
class Stmt {
  public:
    // For the binds: the caller keeps the bytes alive until the statement is stepped.
    static constexpr bool keep = true;

    Stmt(sqlite3* db, const char* sql) : owned_(true) {
        ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK;
    }
    explicit Stmt(sqlite3_stmt* borrowed) : s_(borrowed), ok_(borrowed != nullptr) {}
    ~Stmt() {
        if (owned_) {
            sqlite3_finalize(s_);
        } else if (s_) {
            sqlite3_reset(s_);
            sqlite3_clear_bindings(s_);
        }
    }
    Stmt(Stmt&& o) noexcept : s_(o.s_), ok_(o.ok_), owned_(o.owned_) { o.s_ = nullptr; }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& operator=(Stmt&&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    sqlite3_stmt* get() const { return s_; }
    sqlite3_stmt* operator*() const { return s_; }

    // Binds copy the bytes (SQLITE_TRANSIENT) unless `keep` (Stmt::keep).
    void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
    void bind(int i, std::string_view v, bool keep = false) {
        sqlite3_bind_text64(s_, i, v.data(), v.size(), keep ? SQLITE_STATIC : SQLITE_TRANSIENT,
                            SQLITE_UTF8);
    }
    void bind_blob(int i, std::string_view v, bool keep = false) {
        sqlite3_bind_blob64(s_, i, v.data(), v.size(), keep ? SQLITE_STATIC : SQLITE_TRANSIENT);
    }
    void bind_null(int i) { sqlite3_bind_null(s_, i); }
    int step() { return sqlite3_step(s_); }

    [[nodiscard]] std::string text(int i) const { return column_text(s_, i); }
    [[nodiscard]] std::string blob(int i) const { return column_blob(s_, i); }
    [[nodiscard]] int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }
    [[nodiscard]] bool is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

    static std::string column_text(sqlite3_stmt* s, int i) {
        const auto* p = sqlite3_column_text(s, i);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<size_t>(sqlite3_column_bytes(s, i)))
                 : std::string();
    }

    static std::string column_blob(sqlite3_stmt* s, int i) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
        return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
    }

  private:
    sqlite3_stmt* s_ = nullptr;
    bool ok_ = false;
    bool owned_ = false;
};

}  // namespace vft::internal
