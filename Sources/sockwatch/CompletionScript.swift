import ArgumentParser

/// `sockwatch --generate-completion-script SHELL`: swift-argument-parser's script, taught the default command.
///
/// The generated scripts complete a subcommand's options only after its name, so `sockwatch --sta<TAB>` would
/// offer nothing although `list` runs without being named. Each script's root function is renamed and wrapped:
/// when the first word is not a subcommand and an option or a second word is being completed, the wrapper
/// inserts `list` into the words before handing them on.
enum CompletionScript {
    /// The subcommand names a first word may be; anything else is the default command's.
    static var subcommands: [String] {
        Sockwatch.configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The script asked for by `--generate-completion-script SHELL` (or `=SHELL`), or nil when not asked.
    static func requested(_ arguments: [String]) -> String? {
        let option = "--generate-completion-script"
        if arguments.count == 2 && arguments[0] == option { return script(arguments[1]) }
        if arguments.count == 1 && arguments[0].hasPrefix(option + "=") {
            return script(String(arguments[0].dropFirst(option.count + 1)))
        }
        return nil
    }

    /// The script for `shell` (`bash`, `zsh` or `fish`), or nil for a shell the parser does not know.
    static func script(_ shell: String) -> String? {
        guard let kind = CompletionShell(rawValue: shell) else { return nil }
        let generated = Sockwatch.completionScript(for: kind)
        let names = subcommands.joined(separator: " ")
        let patterns = subcommands.joined(separator: "|")
        switch kind {
        case .bash:
            return generated.replacing("\n_sockwatch() {\n", with: "\n_sockwatch_root() {\n")
                .replacing("complete -o filenames -F _sockwatch sockwatch", with: "") + """

                # Without a subcommand the words are the default `list` command's: insert it, then complete.
                _sockwatch() {
                    if (( COMP_CWORD >= 1 )); then
                        case "${COMP_WORDS[1]}" in
                        \(patterns)) ;;
                        *)
                            if (( COMP_CWORD > 1 )) || [[ "${COMP_WORDS[1]}" == -* ]]; then
                                COMP_LINE="${COMP_LINE/#"${COMP_WORDS[0]}"/"${COMP_WORDS[0]} list"}"
                                (( COMP_POINT += 5 ))
                                COMP_WORDS=("${COMP_WORDS[0]}" list "${COMP_WORDS[@]:1}")
                                (( COMP_CWORD += 1 ))
                                _sockwatch_root "${1}" "${2}" "${COMP_WORDS[COMP_CWORD - 1]}"
                                return
                            fi
                            ;;
                        esac
                    fi
                    _sockwatch_root "${@}"
                }

                complete -o filenames -F _sockwatch sockwatch

                """
        case .zsh:
            return generated.replacing("\n_sockwatch() {\n", with: "\n_sockwatch_root() {\n")
                .replacing(
                    "if [[ \"${funcstack[1]}\" = _sockwatch ]]; then",
                    with: """
                        # Without a subcommand the words are the default `list` command's: insert it, then complete.
                        _sockwatch() {
                            if (( CURRENT > 2 )) || [[ "${words[2]}" == -* ]]; then
                                case "${words[2]}" in
                                \(patterns)) ;;
                                *) words=("${words[1]}" list "${(@)words[2,-1]}"); (( CURRENT++ )) ;;
                                esac
                            fi
                            _sockwatch_root "${@}"
                        }

                        if [[ "${funcstack[1]}" = _sockwatch ]]; then
                        """)
        case .fish:
            return generated.replacing("function __sockwatch_tokens\n", with: "function __sockwatch_raw_tokens\n")
                + """

                # Without a subcommand the words are the default `list` command's: insert it, then complete.
                function __sockwatch_tokens
                    set -l tokens (__sockwatch_raw_tokens $argv)
                    set -l line (__sockwatch_raw_tokens -p)
                    set -l before (__sockwatch_raw_tokens -pc)
                    if not contains -- -t $argv; and test (count $tokens) -ge 1; and test (count $line) -ge 2
                        if not contains -- $line[2] \(names)
                            if string match -q -- '-*' $line[2]; or test (count $before) -ge 2
                                set tokens $tokens[1] list $tokens[2..]
                            end
                        end
                    end
                    test (count $tokens) -gt 0; and printf '%s\\n' $tokens
                end

                """
        default:
            return generated
        }
    }
}
