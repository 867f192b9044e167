"""Every Vietnamese sentence the staff console composes in code (the rest is in templates/).

Notices after a redirect are passed as a key (`?notice=saved`), never as text, so a link can
only ever show one of these fixed sentences.
"""
from __future__ import annotations

LOGIN_FAILED = ("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa. "
                "Vui lòng thử lại sau ít phút hoặc liên hệ quản trị viên.")
FORBIDDEN = "Tài khoản của bạn không có quyền mở trang này."
CSRF_FAILED = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại."
NOT_FOUND = "Không tìm thấy trang này."
BAD_DATES = "Khoảng ngày không hợp lệ; đang hiển thị tháng hiện tại."
CATALOG_UNAVAILABLE = "Không đọc được danh mục thủ tục. Vui lòng liên hệ quản trị viên."
EDIT_CONFLICT = ("Hồ sơ thủ tục này đã bị người khác sửa trong lúc bạn chỉnh. "
                 "Vui lòng tải lại trang để xem nội dung mới rồi sửa lại.")
EDIT_REFUSED = "Chưa lưu: nội dung sửa còn lỗi ở các mục dưới đây."
ENTRY_UNREADABLE = ("Tệp dữ liệu của thủ tục này đang bị lỗi nên không mở được trong biểu mẫu. "
                    "Vui lòng báo quản trị viên sửa trực tiếp tệp dữ liệu.")
NO_CHANGE = "Không có thay đổi nào so với nội dung hiện tại."
REVIEW_BAD_REQUEST = "Yêu cầu không hợp lệ: hãy chọn một thủ tục và nhập tên gọi khác."
ALIAS_REFUSED = "Chưa thêm được tên gọi khác:"

NOTICES = {
    "logged_out": "Bạn đã đăng xuất.",
    "saved": "Đã lưu thay đổi. Trợ lý sẽ dùng nội dung mới trong vài giây.",
    "alias": "Đã thêm tên gọi khác cho thủ tục và đánh dấu các câu hỏi đã xử lý.",
    "alias_exists": "Thủ tục đã có tên gọi này; các câu hỏi được đánh dấu đã xử lý.",
    "new_answer": "Đã ghi nhận: nhóm câu hỏi này cần câu trả lời mới.",
    "ignored": "Đã bỏ qua nhóm câu hỏi này.",
    "account_added": "Đã tạo tài khoản.",
    "account_disabled": "Đã khóa tài khoản; các phiên đăng nhập của tài khoản đã bị hủy.",
    "account_enabled": "Đã mở lại tài khoản.",
    "account_unlocked": "Đã gỡ tạm khóa đăng nhập.",
    "account_password": "Đã đặt mật khẩu mới; các phiên đăng nhập cũ của tài khoản đã bị hủy.",
    "session_expired": "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
}

ROLES = {"officer": "Cán bộ nghiệp vụ", "admin": "Quản trị viên"}
REASONS = {"unanswered": "Chưa trả lời được", "thumbs_down": "Người dân đánh giá 👎"}
AUDIT_ACTIONS = {
    "login": "Đăng nhập",
    "logout": "Đăng xuất",
    "login_locked": "Tạm khóa do đăng nhập sai",
    "catalog_edit": "Sửa thủ tục",
    "alias_add": "Thêm tên gọi khác",
    "review": "Xử lý câu hỏi",
    "account_add": "Tạo tài khoản",
    "account_disable": "Khóa tài khoản",
    "account_enable": "Mở lại tài khoản",
    "account_unlock": "Gỡ tạm khóa",
    "account_password": "Đặt lại mật khẩu",
}
REVIEW_ACTIONS = {"alias": "Thêm làm tên gọi khác", "new_answer": "Cần câu trả lời mới", "ignored": "Bỏ qua"}

# Account form problems (accounts.AccountError codes).
ACCOUNT_ERRORS = {
    "username": "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch nối hoặc gạch dưới.",
    "exists": "Tên đăng nhập này đã có.",
    "role": "Vai trò phải là cán bộ nghiệp vụ hoặc quản trị viên.",
    "password_short": "Mật khẩu cần ít nhất 10 ký tự.",
    "password_long": "Mật khẩu quá dài (tối đa 256 ký tự).",
    "name": "Họ tên dài tối đa 128 ký tự.",
    "unknown": "Không có tài khoản này.",
    "self": "Không thể tự khóa tài khoản đang dùng.",
    "mismatch": "Hai lần nhập mật khẩu không khớp.",
}
