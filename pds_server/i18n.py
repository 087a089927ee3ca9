"""Texts of the PDS sign-in pages in the two languages of the `lang` authorize parameter."""

TEXTS = {
    "en_US": {
        "html_lang": "en",
        "signin_title": "Sign in",
        "signin_lead": "Sign in to continue to",
        "username": "User name",
        "password": "Password",
        "signin": "Sign in",
        "bad_credentials": "The user name or password is wrong.",
        "throttled": "Too many failed attempts. Try again in {minutes} min.",
        "consent_title": "Allow access?",
        "consent_lead": "wants to access your account",
        "consent_scopes": "It will be allowed to:",
        "allow": "Allow",
        "deny": "Deny",
        "signed_in_as": "Signed in as",
        "error_title": "This request cannot be completed",
        "signed_out_title": "You are signed out",
        "signed_out_lead": "You can close this window.",
    },
    "zh_CN": {
        "html_lang": "zh-CN",
        "signin_title": "登录",
        "signin_lead": "登录以继续使用",
        "username": "用户名",
        "password": "密码",
        "signin": "登录",
        "bad_credentials": "用户名或密码错误。",
        "throttled": "失败次数过多，请 {minutes} 分钟后再试。",
        "consent_title": "是否允许访问？",
        "consent_lead": "请求访问你的账号",
        "consent_scopes": "它将获得以下权限：",
        "allow": "允许",
        "deny": "拒绝",
        "signed_in_as": "当前用户",
        "error_title": "无法完成此请求",
        "signed_out_title": "你已退出登录",
        "signed_out_lead": "现在可以关闭此窗口。",
    },
}


def signin_texts(lang: str) -> dict:
    return TEXTS.get(lang, TEXTS["en_US"])
