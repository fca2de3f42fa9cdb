# Ruby's oauth2 gem (Debian's ruby-oauth2), used as its README shows, against the
# local stack. Two steps, driven by test_clients.py:
#   ruby ruby_client.rb url      BASE ID SECRET REDIRECT          -> prints the authorize URL
#   ruby ruby_client.rb exchange BASE ID SECRET REDIRECT CODE EMAIL PASSWORD
#     -> exchanges the code, refreshes, runs the password grant, prints JSON
require "oauth2"
require "json"

mode, base, id, secret, redirect, code, email, password = ARGV
client = OAuth2::Client.new(id, secret, site: base,
                            authorize_url: "/oauth/authorize", token_url: "/oauth/access_token")

case mode
when "url"
  puts client.auth_code.authorize_url(redirect_uri: redirect, scope: "read", state: "ruby-state")
when "exchange"
  token = client.auth_code.get_token(code, redirect_uri: redirect)
  refreshed = token.refresh!
  me = refreshed.get("/oauth/userinfo").parsed
  pw = client.password.get_token(email, password, scope: "read")
  puts JSON.generate(
    code_token: { access_token: token.token, refresh_token: token.refresh_token, expires_in: token.expires_in },
    refreshed: { access_token: refreshed.token, refresh_token: refreshed.refresh_token },
    userinfo: me,
    password_token: { access_token: pw.token, params: pw.params }
  )
end
