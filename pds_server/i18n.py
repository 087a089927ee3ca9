"""Texts of the PDS sign-in pages in the two languages of the `lang` authorize parameter.
Scopes are said in plain words (`scope_words`, by scope code of services.apps.ALL_SCOPES)."""

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
        # What each scope lets the app do, in the words of the consent page (never the code).
        "scope_words": {
            "FILE.ALL": "See, upload, change and delete your files and folders",
            "SHARE.ALL": "Create and cancel share links to your files",
            "DRIVE.ALL": "See your drives and how much space they use",
            "USER.ALL": "See your name and account details",
            "GROUP.ALL": "See the groups of your organisation, to share with them",
        },
        "scope_other": "Other access to your account",
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
        "scope_words": {
            "FILE.ALL": "查看、上传、修改和删除你的文件和文件夹",
            "SHARE.ALL": "创建和取消你的文件的分享链接",
            "DRIVE.ALL": "查看你的网盘及其已用空间",
            "USER.ALL": "查看你的名称和账号信息",
            "GROUP.ALL": "查看你所在组织的群组，以便与其共享",
        },
        "scope_other": "对你账号的其他访问权限",
    },
}


def signin_texts(lang: str) -> dict:
    return TEXTS.get(lang, TEXTS["en_US"])
